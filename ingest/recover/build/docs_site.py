"""The dbt docs site of a namespace: `{lake}/{ns}/docs/index.html`, one self-contained file.

`dbt docs generate --static` on the local target, against a private copy of the namespace's
published database (in a temporary folder): the published file is only read, never opened by
dbt, so readers holding it and builds publishing a new one are unaffected. The static page
carries the manifest (models, columns and their descriptions from the registry, lineage) and
the catalog (the columns as built) inline, so it opens from disk or any web server with no
other file. `serve()` serves the folder on 127.0.0.1 with Python's http.server.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
from pathlib import Path

from recover.build.core import LOCAL, dbt_env
from recover.build.dbt_runner import PROFILES_DIR, PROJECT_DIR, run_dbt
from recover.build.publish import published_database
from recover.lake import DATABASE_FILE, make_dirs, write_atomic

DOCS_DIR = "docs"
INDEX = "index.html"


class NoPublishedBuild(Exception):
    """The namespace has no published build to document."""


class DocsFailed(Exception):
    """dbt docs generate failed; the message holds the end of its output."""


def docs_dir(lake: Path, namespace: str) -> Path:
    return Path(lake) / namespace / DOCS_DIR


def generate(lake: Path, namespace: str, out: Path | None = None) -> Path:
    """Write the namespace's docs site; return the path of its index.html."""
    lake = Path(lake).absolute()
    published = published_database(lake / namespace)
    if published is None:
        raise NoPublishedBuild(f"namespace {namespace} has no published build in {lake} "
                               "(run `recover build` first)")
    out = Path(out) if out is not None else docs_dir(lake, namespace)
    with tempfile.TemporaryDirectory(prefix="recover-docs-") as tmp:
        work = Path(tmp)
        copy = work / DATABASE_FILE
        shutil.copyfile(published, copy)  # readers' file: read once, never opened by dbt
        target_path = work / "target"
        args = ["docs", "generate", "--static", "--project-dir", str(PROJECT_DIR),
                "--profiles-dir", str(PROFILES_DIR), "--target", LOCAL, "--no-use-colors",
                "--target-path", str(target_path), "--log-path", str(work / "logs")]
        env = {**dbt_env(lake, namespace), "RECOVER_DUCKDB": str(copy)}
        code, tail = run_dbt(args, env)
        page = target_path / "static_index.html"
        if code != 0 or not page.exists():
            raise DocsFailed("dbt docs generate failed:\n" + "\n".join(tail[-15:]))
        make_dirs(out)
        index = out / INDEX
        with page.open("rb") as fh:
            write_atomic(index, iter(functools.partial(fh.read, 1 << 20), b""))
    return index


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def server(folder: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server of `folder` on 127.0.0.1 (port 0: any free port); call serve_forever."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
