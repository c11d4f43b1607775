"""The wheel, installed with the ``contract`` extra in a brand-new venv outside the repository, works as documented.

What a backend team does to check its server: build (here) and install the package in an
empty virtual environment, then, from a directory that has nothing to do with this
repository, start the mock, load demo data with ``fixtures``, and run ``contract-tests`` and
``pytest --pyargs contract_tests`` against it: a clean pass exits 0, an unreachable target
exits 2 with one line. The wheel is built from a copy of the working tree (so the repository
gets no ``build/`` or egg-info from it); the install takes ``test.lock`` as constraints when
there is one, so it gets the versions CI tests with.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "test.lock"
KEY = "sk_packaging_check"
NAMESPACE = "contract-packaging"
LEFT_OUT = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    ".schemathesis",
)
BUILD_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 900
START_TIMEOUT_S = 30
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Installed:
    venv: Path
    work: Path  # a working directory outside the repository
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *command: str, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.work,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _prepare(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    _checked(done)


def _checked(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, f"{done.args} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def _outside_the_repository(base: Path) -> Path:
    if base.resolve().is_relative_to(ROOT):  # a --basetemp inside the checkout
        return Path(tempfile.mkdtemp(prefix="packaging-"))
    return base


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = _outside_the_repository(tmp_path_factory.mktemp("packaging"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith(("PYTEST_", "CONTRACT_"))
    }
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    source, dist, venv, work = base / "source", base / "dist", base / "venv", base / "work"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    work.mkdir()
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(source)]
    _prepare(build, base, env, BUILD_TIMEOUT_S)
    wheels = list(dist.glob("mixpeek_interactions_mock-*.whl"))
    assert len(wheels) == 1, wheels
    make_venv = [sys.executable, "-m", "venv", str(venv)]
    _prepare(make_venv, base, env, 120)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    constraints = ["-c", str(LOCK)] if LOCK.exists() else []
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{wheels[0]}[contract]", *constraints]
    _prepare(install, base, env, INSTALL_TIMEOUT_S)
    return Installed(venv, work, env)


@dataclass
class RunningMock:
    process: subprocess.Popen[str]
    url: str


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[RunningMock]:
    """``mockserver --port 0 --api-key KEY`` from the new venv; the URL comes from its banner."""
    process = subprocess.Popen(
        [installed.bin("mockserver"), "--port", "0", "--api-key", KEY, "--quiet"],
        cwd=installed.work,
        env=installed.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    timer = threading.Timer(START_TIMEOUT_S, process.kill)  # a silent start must not hang the readline below
    timer.start()
    banner: list[str] = []
    for line in process.stderr:
        banner.append(line.rstrip("\n"))
        if "press Ctrl+C to stop" in line:
            break
    timer.cancel()
    found = re.search(r"listening on (http://\S+)", "\n".join(banner))
    assert found, f"mockserver did not start: {banner}"
    # Whatever it writes later must never fill the pipe and stall it.
    threading.Thread(target=process.stderr.read, daemon=True).start()
    try:
        yield RunningMock(process, found.group(1))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def test_the_wheel_installs_the_tool_and_the_plugin(installed: Installed) -> None:
    code = (
        "import contract_tests, importlib.metadata as m; print(contract_tests.__file__); "
        "print(sorted((e.name, e.value) for e in m.entry_points(group='pytest11')))"
    )
    done = _checked(installed.run(installed.bin("python"), "-c", code))
    where, plugins = done.stdout.splitlines()
    assert Path(where).is_relative_to(installed.venv), "the installed package, not the checkout"
    assert "('contract_tests.plugin', 'contract_tests.plugin')" in plugins
    assert (installed.venv / "bin" / "contract-tests").exists()
    helped = _checked(installed.run(installed.bin("python"), "-m", "contract_tests", "--help"))
    assert "CONTRACT_BASE_URL" in helped.stdout


def test_the_wheel_holds_every_api_versions_contract(installed: Installed) -> None:
    """Every JSON file of specs/ is installed (a later version's were left out once), and each version loads."""
    code = (
        "import pathlib, specs; root = pathlib.Path(specs.__file__).parent; "
        "print(sorted(str(p.relative_to(root)) for p in root.rglob('*.json'))); "
        "print([specs.documented_openapi(v)['info']['version'] for v in specs.API_VERSIONS])"
    )
    files, versions = _checked(installed.run(installed.bin("python"), "-c", code)).stdout.splitlines()
    checkout = ROOT / "specs"
    assert files == str(sorted(str(p.relative_to(checkout)) for p in checkout.rglob("*.json")))
    assert versions == "['2025.12.0', '2026.11.0']"


def test_contract_tests_passes_against_the_installed_mock(installed: Installed, served: RunningMock) -> None:
    generated = _checked(
        installed.run(installed.bin("fixtures"), "generate", "--count", "20", "--namespace", NAMESPACE)
    )
    (installed.work / "demo.jsonl").write_text(generated.stdout)
    assert len(generated.stdout.splitlines()) == 20
    load = ("load", "demo.jsonl", "--base-url", served.url, "--api-key", KEY, "--namespace", NAMESPACE)
    _checked(installed.run(installed.bin("fixtures"), *load))
    run = installed.run(
        installed.bin("contract-tests"),
        *("--base-url", served.url, "--api-key", KEY, "--namespace", NAMESPACE),
        *("--contract-examples", "5", "--junitxml", "contract.xml"),
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert re.search(r"\d+ passed", run.stdout) and (installed.work / "contract.xml").exists()
    assert (installed.work / ".pytest_cache").is_dir(), "pytest's cache in the current directory"
    site = installed.run(installed.bin("python"), "-c", "import contract_tests; print(contract_tests.__file__)")
    assert not (Path(site.stdout.strip()).parent / ".pytest_cache").exists(), "nothing written into site-packages"


def test_an_unreachable_target_is_one_line_and_exit_2(installed: Installed) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done = installed.run(installed.bin("contract-tests"), "--base-url", url)
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stderr.count("\n") == 1 and url in done.stderr and "connection refused" in done.stderr, done.stderr
    # The command of issue 13: its options come from the entry point, wherever pytest starts.
    plain = installed.run(installed.bin("pytest"), "--pyargs", "contract_tests", "--base-url", url)
    assert plain.returncode == 2, plain.stdout[-3000:] + plain.stderr[-3000:]
    assert [line for line in plain.stderr.splitlines() if url in line] == [
        f"contract_tests: cannot reach {url}: connection refused (is the server running on that port?)"
    ]
