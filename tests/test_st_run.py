"""The README's `st run` line, run as written against a mock with default options (each API version): no failures,
no errors.

Schemathesis generates positive data from specs/openapi.json and expects it accepted, negates every
schema it can and expects that refused; a clean run proves the served contract states every rule the
server holds requests to. A fixed seed and a bounded example count keep it repeatable and quick.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import specs
from mockserver import BackgroundServer, Settings

README = Path(__file__).resolve().parents[1] / "README.md"
SEED = 1
MAX_EXAMPLES = 25
TIMEOUT_S = 240


def readme_st_run() -> list[str]:
    """The README's `st run` command, split as a shell would split it."""
    lines = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("st run ")]
    assert len(lines) == 1, f"expected one `st run` line in README.md, found {lines}"
    return shlex.split(lines[0])


@pytest.fixture(scope="module", params=specs.API_VERSIONS)
def default_mock(request: pytest.FixtureRequest) -> Iterator[BackgroundServer]:
    """A mock with default options, serving each API version (the served document is that version's)."""
    with BackgroundServer(Settings(port=0, api_version=request.param)) as server:
        yield server


def test_the_readme_line_targets_the_served_contract() -> None:
    argv = readme_st_run()
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/openapi\.json", argv[2])
    assert argv[3:] == ["-H", "Authorization: Bearer dev", "-H", "X-Namespace: demo"]


def test_st_run_finds_no_failures_and_no_errors(default_mock: BackgroundServer, tmp_path: Path) -> None:
    argv = readme_st_run()
    argv[2] = f"{default_mock.url}/openapi.json"
    # The console script `st` is `python -m schemathesis.cli`; this way it is the one installed here.
    command = [sys.executable, "-m", "schemathesis.cli", *argv[1:], "--seed", str(SEED)]
    command += ["--max-examples", str(MAX_EXAMPLES), "--no-color"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=tmp_path, check=False)
    output = done.stdout + done.stderr
    replay = " ".join(shlex.quote(part) for part in command)
    assert done.returncode == 0, f"`st run` found problems (exit {done.returncode}); replay: {replay}\n{output}"
    assert "No issues found" in output, output
