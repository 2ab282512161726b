"""The package's import rules (docs/architecture.md, "The Python package"), checked on the source.

A module-level import is a dependency; an import inside a function is a lazy one, allowed only
where the table says so (the local path must not need AWS libraries, `recover --help` must not
import the verbs).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ingest" / "recover"

# folder (or top-level module) -> what its module-level imports may name, besides itself
ALLOWED = {
    "lake": set(),
    "faults": set(),
    "registry": {"lake"},
    "ingest": {"lake", "registry", "faults"},
    "aws": {"lake", "registry", "ingest", "faults"},
    "build": {"lake", "registry", "ingest", "faults"},
    "generate": {"registry", "ingest"},
    "commands": {"lake", "registry", "ingest", "aws", "build", "generate", "commands"},
    "cli": set(),
}
LAZY_ALLOWED = {"ingest": {"aws"}, "cli": {"commands"}}
SHARED_COMMAND_MODULES = {"progress", "summaries"}


def role(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def recover_imports(path: Path) -> list[tuple[str, bool]]:
    """(imported recover module, lazy?) for every `recover.*` import of a module."""
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name == "recover" or name.startswith("recover."):
                found.append((name, id(node) not in top_level))
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_what_its_role_may(path):
    own = role(path)
    for name, lazy in recover_imports(path):
        parts = name.split(".")
        if len(parts) < 2:
            continue
        target = parts[1]
        if target == own and own != "commands":
            continue
        allowed = ALLOWED[own] | (LAZY_ALLOWED.get(own, set()) if lazy else set())
        if own == "commands" and target == "commands" and len(parts) > 2:
            assert parts[2] in SHARED_COMMAND_MODULES, f"{path.name}: a verb imports {name}"
            continue
        assert target in allowed, f"{path.relative_to(PACKAGE)} imports {name}"


def test_every_module_says_what_it_owns():
    missing = [str(p.relative_to(PACKAGE)) for p in modules()
               if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not missing


def test_recover_help_imports_no_verb_and_no_heavy_library():
    code = ("import sys; from recover import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('duckdb', 'boto3', 'awswrangler', 'dbt', 'pandas', 'yaml') or "
            "m.startswith('recover.commands.')]\n"
            "print(heavy); sys.exit(1 if heavy else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_lambda_path_imports_neither_duckdb_nor_dbt():
    code = ("import sys, recover.aws.lambda_handler, recover.aws.s3_sink, recover.aws.glue_catalog; "
            "sys.exit(any(m.split('.')[0] in ('duckdb', 'dbt') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_trigger_and_reconcile_lambdas_need_no_layer():
    """They run without the AWS SDK for pandas layer: boto3 (in the runtime) and our package."""
    code = ("import sys, recover.aws.build_trigger, recover.aws.reconcile; "
            "sys.exit(any(m.split('.')[0] in ('awswrangler', 'pandas', 'pyarrow', 'duckdb', 'dbt') "
            "for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
