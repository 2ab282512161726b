"""`recover docs`: the dbt docs site of a namespace, opened in headless Chromium.

One small lake built for real (DuckDB + dbt); `recover docs --serve --port 0` runs as a
subprocess, as an operator runs it: dbt docs generate against a copy of the published database,
then http.server on 127.0.0.1. Chromium (Debian's package, scripts/chromium.sh) renders the
served page; the test reads its DOM with html.parser and keeps a screenshot in test-artifacts/.
Without Chromium the rendering test skips with the reason, unless RECOVER_REQUIRE_TRINO=1 (CI),
where it fails.
"""

from __future__ import annotations

import hashlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from recover import registry

from tests.support.html_tree import parse
from tests.support.lakes import built_lake

pytestmark = pytest.mark.slow

NS = "site"
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
RECOVER = str(Path(sys.executable).with_name("recover"))
MODEL = "model.recover.dataset_fitbitsleeplogs"


@pytest.fixture(scope="module")
def lake(tmp_path_factory, small_exports) -> Path:
    # the fitbit tables (and what they are built from) are enough for the site; the docs
    # document every model of the project either way
    return built_lake(tmp_path_factory, small_exports, NS, selector="fitbit")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Served:
    def __init__(self, lake: Path) -> None:
        self.database = (lake / NS / "recover.duckdb").resolve()
        self.before = (digest(self.database), self.database.stat().st_mtime_ns)
        # As from a terminal: a suite started in the background (`cmd &`) has SIGINT ignored,
        # which its children inherit, and Python then never turns Ctrl-C into
        # KeyboardInterrupt. A handled SIGINT is reset to the default in the child.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            self.proc = subprocess.Popen(
                [RECOVER, "docs", "--lake", str(lake), "--namespace", NS, "--serve", "--port",
                 "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        finally:
            signal.signal(signal.SIGINT, previous)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.stdout: list[str] = []
        deadline = time.monotonic() + 300
        while not any(line.startswith("Serving ") for line in self.stdout):
            try:
                self.stdout.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                self.proc.kill()
                pytest.fail(f"recover docs did not start serving: {self.stdout} "
                            f"{self.proc.stderr.read() if self.proc.stderr else ''}")
            if self.proc.poll() is not None and self.lines.empty():
                pytest.fail(f"recover docs exited {self.proc.returncode}: {self.stdout} "
                            f"{self.proc.stderr.read() if self.proc.stderr else ''}")
        self.url = self.stdout[-1].split(" at ", 1)[1].split()[0]

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))


@pytest.fixture(scope="module")
def served(lake):
    site = Served(lake)
    yield site
    if site.proc.poll() is None:
        site.proc.kill()
        site.proc.wait()


@pytest.fixture(scope="module")
def chromium() -> str:
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "chromium.sh")], capture_output=True,
                          text=True, timeout=900, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        reason = (proc.stderr.strip().splitlines() or ["scripts/chromium.sh failed"])[-1]
        if os.environ.get("RECOVER_REQUIRE_TRINO") == "1":
            pytest.fail(f"RECOVER_REQUIRE_TRINO=1 but Chromium is unavailable: {reason}")
        pytest.skip(f"Chromium unavailable: {reason}")
    return proc.stdout.strip().splitlines()[-1]


def headless(chromium: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--hide-scrollbars", "--virtual-time-budget=10000",
         "--window-size=1400,1000", *args],
        capture_output=True, text=True, timeout=timeout, check=False)


def test_recover_docs_writes_one_page_and_never_writes_the_published_database(lake, served):
    index = lake.resolve() / NS / "docs" / "index.html"
    assert served.stdout[0] == f"Docs site: {index}"
    assert index.is_file() and not (index.parent / "manifest.json").exists()
    text = index.read_text()
    assert "dataset_fitbitsleeplogs" in text and "catalog" in text
    assert (digest(served.database), served.database.stat().st_mtime_ns) == served.before
    with urllib.request.urlopen(served.url, timeout=30) as response:
        assert response.status == 200 and b"dataset_fitbitsleeplogs" in response.read()


def test_chromium_renders_the_lineage_graph_and_the_column_descriptions(served, chromium):
    # the model's page with its lineage graph open (g_v), showing +dataset_fitbitsleeplogs+
    url = f"{served.url}#!/model/{MODEL}?g_v=1&g_i=%2Bdataset_fitbitsleeplogs%2B"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-dataset_fitbitsleeplogs.png"
    shot.unlink(missing_ok=True)
    proc = headless(chromium, "--dump-dom", f"--screenshot={shot}", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = parse(proc.stdout)
    # the model page: its columns table with the registry's descriptions
    duration = registry.load()["FitbitSleepLogs"].dictionary["Duration"].description
    cells = [td.text.strip() for td in dom.iter("td")]
    assert "Duration" in cells
    assert any(duration in cell for cell in cells), "Duration's description is not rendered"
    # the lineage graph: its panel open, and cytoscape's node layer drawn in it
    panel = dom.find("div", class_="launcher")
    assert panel is not None and "on" in panel.attrs["class"].split(), "graph panel not open"
    graph = panel.find(id="cy")
    assert graph is not None, "no lineage graph container"
    nodes = graph.find("canvas", **{"data-id": "layer2-node"})
    assert nodes is not None and int(nodes.attrs["width"]) > 0, "the lineage graph drew nothing"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_recover_docs_without_a_published_build_exits_2_in_one_line(cli, tmp_path):
    code, out, err = cli("docs", "--lake", tmp_path, "--namespace", NS)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and "no published build" in err
    assert not (tmp_path / NS / "docs").exists()


def test_ctrl_c_stops_the_server_with_one_line_and_no_traceback(served):
    served.proc.send_signal(signal.SIGINT)
    assert served.proc.wait(timeout=30) == 0
    err = served.proc.stderr.read()
    assert err.strip().splitlines() == ["recover docs: stopped serving"]
