"""The `recover` command's surface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RECOVER = str(Path(sys.executable).with_name("recover"))


def test_help_lists_the_four_sub_commands():
    out = subprocess.run([RECOVER, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("generate", "ingest", "build", "demo"):
        assert command in out


def test_build_refuses_a_namespace_that_is_not_a_plain_identifier(tmp_path):
    proc = subprocess.run([RECOVER, "build", "--lake", str(tmp_path), "--namespace", "Dev-1"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "'Dev-1' is not a plain identifier" in proc.stderr
    assert not any(tmp_path.iterdir())
