"""The suites as an installed tool: ``contract-tests``, ``python -m contract_tests`` and the pytest11 plugin.

Everything runs in a subprocess from a directory outside the repository, as a backend team
would run it: usage errors, every way a target can be unreachable or refuse the key (one
line on stderr, exit 2, before any test runs), a contract failure (exit 1), a passing run
that ignores the current directory's pytest configuration and keeps pytest's cache there,
and the plugin living next to pytest-base-url (simulated by a local plugin registering
``--base-url`` as pytest-base-url does) and next to conftests defining the same options.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import specs
from mockserver import BackgroundServer, Settings

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE_DIR = ROOT / "contract_tests"
SCRIPT = Path(sys.executable).parent / "contract-tests"
KEY = "cli-test-key"
RUN_TIMEOUT_S = 180
LIST_PATH = "/v1/retrievers/interactions/list"
# pytest-base-url's option, as its plugin registers it (pytest_base_url/plugin.py, 2.x).
FAKE_BASE_URL_PLUGIN = """
import os

def pytest_addoption(parser):
    parser.addini("base_url", help="base url for the application under test.")
    parser.addoption("--base-url", metavar="url", default=os.getenv("PYTEST_BASE_URL", None),
                     help="base url for the application under test.")
    parser.addoption("--verify-base-url", action="store_true",
                     default=not os.getenv("VERIFY_BASE_URL", "false").lower() == "false", help="verify the base url.")

def pytest_configure(config):
    base_url = config.getoption("base_url") or config.getini("base_url")
    if base_url is not None:
        config.option.base_url = base_url
"""
# A test that reads what the suites would use, next to what the other option's owner reads.
SEES_OPTIONS = """
from contract_tests.plugin import contract_options

def test_sees(pytestconfig):
    options = contract_options(pytestconfig)
    print("SUITES", options.base_url, options.api_key, options.namespace)
"""


def clean_env(**extra: str) -> dict[str, str]:
    """This environment minus anything that would steer pytest or the suites from outside."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONTRACT_", "PYTEST_")) and k not in ("PYTHONPATH", "PY_COLORS")
    }
    return {**env, **extra}


def contract_tests(*args: str) -> list[str]:
    script = str(SCRIPT) if SCRIPT.exists() else None
    return [script, *args] if script else [sys.executable, "-m", "contract_tests", *args]


def plain_pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", *args]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def our_lines(stderr: str, prefix: str) -> list[str]:
    """The lines the tool wrote (other plugins may warn on stderr in a plain pytest session)."""
    return [line for line in stderr.splitlines() if line.startswith(prefix)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory outside the repository."""
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture(scope="module")
def mock() -> Iterator[BackgroundServer]:
    with BackgroundServer(Settings(port=0, count=20, api_keys=frozenset({KEY}), quiet=True)) as server:
        yield server


class Stub:
    """A server on 127.0.0.1 answering every request with one status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class NotHttp:
    """A server on 127.0.0.1 that answers like an SSH server and hangs up."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                connection.recv(65536)  # the request line at least: then the client is reading, not writing
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                connection.shutdown(socket.SHUT_WR)
                while connection.recv(65536):
                    pass

    def close(self) -> None:
        self.listener.close()


class Silent:
    """A port that takes connections (into its backlog) and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def stubs() -> Iterator[list[Stub | NotHttp | Silent]]:
    started: list[Stub | NotHttp | Silent] = []
    yield started
    for stub in started:
        stub.close()


Stubs = list[Stub | NotHttp | Silent]


# --help, python -m, usage errors.


def test_help_lists_every_option_with_its_environment_twin_and_default(outside: Path) -> None:
    from contract_tests.options import OPTIONS

    done = run(contract_tests("--help"), outside)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    for spec in OPTIONS:
        assert spec.flag in text and f"env {spec.env}; default: {spec.default_help}" in text, spec.flag
    assert "--junitxml FILE" in text and "exit codes:" in text
    same = run([sys.executable, "-m", "contract_tests", "--help"], outside)
    assert same.returncode == 0 and same.stdout == done.stdout


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--contract-examples", "0"], {}, "--contract-examples: must be 1 or more, got 0"),
        (["--contract-timeout", "soon"], {}, "--contract-timeout: expected a number of seconds"),
        (["--base-url", "localhost:8000"], {}, "--base-url must be an http:// or https:// URL"),
        ([], {"CONTRACT_EXAMPLES": "many"}, "CONTRACT_EXAMPLES: expected a whole number, got 'many'"),
        ([], {"CONTRACT_BASE_URL": "ftp://example.com"}, "--base-url must be an http:// or https:// URL"),
        (["--api-version", "2027-01"], {}, "--api-version: expected one of 2025-12, 2026-11, got '2027-01'"),
        (
            [],
            {"CONTRACT_API_VERSION": "latest"},
            "CONTRACT_API_VERSION: expected one of 2025-12, 2026-11, got 'latest'",
        ),
        (["--no-such-option"], {}, "unrecognized arguments: --no-such-option"),
        (["-k", "matches_no_contract_test"], {}, ""),
    ],
    ids=[
        "examples",
        "timeout",
        "url",
        "env-examples",
        "env-url",
        "api-version",
        "env-api-version",
        "pytest-option",
        "nothing-selected",
    ],
)
def test_a_usage_error_exits_2(outside: Path, args: list[str], env: dict[str, str], said: str) -> None:
    done = run(contract_tests(*args), outside, clean_env(**env))
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert said in done.stderr


# The probe: one list request before any test runs.


def _target(kind: str, stubs: Stubs, mock: BackgroundServer) -> tuple[str, list[str], str]:
    """A base URL that fails the probe in the way ``kind`` says, extra arguments, and what the line must say."""
    if kind == "refused":
        return f"http://127.0.0.1:{closed_port()}", [], "connection refused"
    if kind == "unknown-host":
        return "http://contract-probe.invalid:8000", [], "cannot resolve host 'contract-probe.invalid'"
    if kind == "no-answer":
        stubs.append(Silent())
        return stubs[-1].url, ["--contract-timeout", "0.5"], "no answer within 0.5 s"
    if kind == "not-http":
        stubs.append(NotHttp())
        return stubs[-1].url, [], "the answer is not HTTP"
    if kind == "wrong-key":
        return mock.url, ["--api-key", "wrong"], f"refused the API key (HTTP 401 to POST {LIST_PATH}"
    if kind == "forbidden":
        body = {"success": False, "status": 403, "error": {"message": "key lacks retriever scope", "type": "Forbidden"}}
        stubs.append(Stub(403, body))
        return stubs[-1].url, [], f"refused the API key (HTTP 403 to POST {LIST_PATH}: key lacks"
    raise AssertionError(kind)


PROBE_FAILURES = ["refused", "unknown-host", "no-answer", "not-http", "wrong-key", "forbidden"]


@pytest.mark.parametrize("kind", PROBE_FAILURES)
def test_contract_tests_stops_on_a_target_it_cannot_use_with_one_line(
    outside: Path, stubs: Stubs, mock: BackgroundServer, kind: str
) -> None:
    url, extra, said = _target(kind, stubs, mock)
    done = run(contract_tests("--base-url", url, *extra), outside)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("contract-tests: ") and url in done.stderr and said in done.stderr, done.stderr
    assert "test session starts" not in done.stdout, "the probe comes before pytest"


@pytest.mark.parametrize("kind", ["refused", "wrong-key"])
def test_plain_pytest_stops_on_a_target_it_cannot_use_with_one_line(
    outside: Path, stubs: Stubs, mock: BackgroundServer, kind: str
) -> None:
    url, extra, said = _target(kind, stubs, mock)
    done = run(plain_pytest("--pyargs", "contract_tests", "--base-url", url, *extra), outside)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = our_lines(done.stderr, "contract_tests: ")
    assert len(lines) == 1 and url in lines[0] and said in lines[0], done.stderr
    assert "Traceback" not in done.stderr and re.search(r"no tests ran", done.stdout), done.stdout


def test_plain_pytest_reports_a_malformed_environment_setting_once(outside: Path) -> None:
    done = run(plain_pytest("--pyargs", "contract_tests.test_auth"), outside, clean_env(CONTRACT_TIMEOUT="-1"))
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = our_lines(done.stderr, "contract_tests: ")
    assert lines == ["contract_tests: CONTRACT_TIMEOUT: must be more than 0, got -1"], done.stderr


# Runs that reach the suites.


def test_a_passing_run_ignores_the_directory_pytest_config_and_caches_there(
    outside: Path, mock: BackgroundServer
) -> None:
    # Everything here would break or change a run that read it.
    (outside / "pytest.ini").write_text("[pytest]\naddopts = --no-such-plugin-option -n auto\n")
    (outside / "conftest.py").write_text("raise RuntimeError('the current directory conftest was loaded')\n")
    (outside / "tests").mkdir()
    (outside / "tests" / "conftest.py").write_text("raise RuntimeError('a test* folder conftest was loaded')\n")
    cache_in_package = PACKAGE_DIR / ".pytest_cache"
    existed = cache_in_package.exists()
    done = run(
        contract_tests("--base-url", mock.url, "--api-key", KEY, "--junitxml", "report.xml", "-k", "auth", "-q"),
        outside,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\d+ passed", done.stdout), done.stdout
    assert (outside / "report.xml").exists()
    assert (outside / ".pytest_cache").is_dir(), "pytest's cache belongs in the current directory"
    assert cache_in_package.exists() == existed, "nothing is written into the installed package"


@pytest.mark.parametrize("api_version", specs.API_VERSIONS)
def test_python_m_runs_the_suites_against_the_embedded_mock(outside: Path, api_version: str) -> None:
    """The embedded mock of the version asked (the seed's by default), and the header names that contract."""
    chosen = [] if api_version == specs.SEED_VERSION else ["--api-version", api_version]
    command = [sys.executable, "-m", "contract_tests", *chosen, "-k", "no_token", "-p", "no:cacheprovider"]
    done = run(command, outside)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "contract target: the embedded mock" in done.stdout and re.search(r"5 passed", done.stdout), done.stdout
    version = specs.documented_openapi(api_version)["info"]["version"]
    said = f"(namespace 'contract-tests', 40 examples), held to contract {version} (API version {api_version})"
    assert said in done.stdout
    assert "[100%]" in done.stdout


def test_the_suites_know_every_api_version_the_specs_hold() -> None:
    """The options module names the versions itself (it may import only the standard library)."""
    from contract_tests.options import API_VERSIONS, DEFAULT_API_VERSION

    assert API_VERSIONS == specs.API_VERSIONS and DEFAULT_API_VERSION == specs.SEED_VERSION


def test_the_embedded_mock_serves_the_version_asked(outside: Path) -> None:
    """A check only 2026-11 has runs (and passes) against the embedded mock under --api-version 2026-11, and is
    skipped, saying why, without it."""
    selected = [
        "-k",
        "the_total_is_counted_only_when_asked",
        "-p",
        "no:cacheprovider",
        "-rs",
        "--contract-examples",
        "5",
    ]
    newer = run([sys.executable, "-m", "contract_tests", "--api-version", "2026-11", *selected], outside)
    assert newer.returncode == 0 and "1 passed" in newer.stdout, newer.stdout[-3000:] + newer.stderr[-3000:]
    older = run([sys.executable, "-m", "contract_tests", *selected], outside)
    assert older.returncode == 0 and "1 skipped" in older.stdout, older.stdout[-3000:]
    assert "the target is held to 2025-12 (run with --api-version 2026-11)" in older.stdout


def test_a_contract_failure_exits_1(outside: Path, stubs: Stubs) -> None:
    stubs.append(Stub(200, {}))  # answers 200 to everything, even without a token: the probe passes, auth does not
    done = run(contract_tests("--base-url", stubs[-1].url, "-k", "test_no_token_is_401", "-x", "-q"), outside)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Broken rule [auth." in done.stdout, done.stdout[-3000:]


# The plugin, in other people's pytest sessions.


def test_importing_the_plugin_imports_only_pytest_and_the_standard_library(outside: Path) -> None:
    heavy = ["hypothesis", "schemathesis", "jsonschema", "specs", "mockserver", "aiohttp", "contract_tests.target"]
    code = f"import sys, contract_tests.plugin; print([m for m in {heavy!r} if m in sys.modules])"
    done = run([sys.executable, "-c", code], outside)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_session_without_contract_tests_never_probes_or_imports_the_suites(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_unrelated="""
        import sys

        def test_unrelated():
            loaded = [m for m in ("hypothesis", "schemathesis", "contract_tests.target") if m in sys.modules]
            assert loaded == []
        """
    )
    # Other installed plugins import Hypothesis or Schemathesis themselves; leave them out to see ours alone.
    quiet = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:mixpeek_mock", "-p", "no:cacheprovider")
    result = pytester.runpytest_subprocess(f"--base-url=http://127.0.0.1:{closed_port()}", *quiet)
    result.assert_outcomes(passed=1)
    assert not our_lines(result.stderr.str(), "contract_tests:")


@pytest.mark.parametrize("order", ["autoloaded-after-it", "listed-before-it"])
def test_it_shares_base_url_with_pytest_base_url(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, order: str
) -> None:
    pytester.makepyfile(fake_base_url=FAKE_BASE_URL_PLUGIN, test_sees=SEES_OPTIONS)
    pytester.makepyfile(
        test_theirs="""
        def test_theirs(pytestconfig):
            print("THEIRS", pytestconfig.getoption("base_url"), pytestconfig.getoption("verify_base_url"))
        """
    )
    if order == "autoloaded-after-it":
        # pytest-base-url's -p plugin registers --base-url before the entry points load ours.
        plugins = ["-p", "fake_base_url"]
    else:
        # Ours first (no autoload, -p order), then theirs: adding --base-url at once would make theirs crash.
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        plugins = ["-p", "contract_tests.plugin", "-p", "fake_base_url"]
    result = pytester.runpytest_subprocess(*plugins, "-s", "-p", "no:cacheprovider", "--base-url", "http://shared:1")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*THEIRS http://shared:1 False*"])
    result.stdout.fnmatch_lines(["*SUITES http://shared:1 contract-tests-key contract-tests*"])
    helped = pytester.runpytest_subprocess(*plugins, "--help").stdout.str()
    assert "base url for the application under test" in helped and "--contract-examples" in helped
    assert "root URL of the implementation under test" not in helped, "one --base-url: theirs"


def test_pytest_base_url_defaults_apply_only_when_contract_tests_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(fake_base_url=FAKE_BASE_URL_PLUGIN, test_web="def test_web():\n    pass\n")
    # Someone's web application, not an interactions API, and not even listening.
    monkeypatch.setenv("PYTEST_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    unrelated = pytester.runpytest_subprocess("-p", "fake_base_url", "-p", "no:cacheprovider")
    unrelated.assert_outcomes(passed=1)
    with_suites = pytester.runpytest_subprocess("-p", "fake_base_url", "--pyargs", "contract_tests.test_auth")
    assert with_suites.ret == 2
    lines = our_lines(with_suites.stderr.str(), "contract_tests: ")
    assert len(lines) == 1 and os.environ["PYTEST_BASE_URL"] in lines[0]


def test_conftest_options_of_the_same_names_are_shared_not_redefined(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_addoption(parser):
            parser.addoption("--base-url", dest="app_url", default="http://localhost:3000")
            parser.addoption("--api-key", help="my service's key")
            parser.addoption("--namespace", default="k8s-default")
        """
    )
    pytester.makepyfile(test_sees=SEES_OPTIONS)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "--api-key", "mine")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SUITES http://localhost:3000 mine k8s-default*"])


@pytest.mark.parametrize("autoload", [True, False], ids=["autoload", "no-autoload"])
def test_the_plugin_is_registered_once_however_it_is_named(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, autoload: bool
) -> None:
    if not autoload:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    # A conftest asking for it as well: only now, with autoload off, is it loaded, and its options still come.
    pytester.makeconftest('pytest_plugins = ["contract_tests.plugin"]')
    pytester.makepyfile(
        test_once="""
        import contract_tests.plugin

        def test_once(pytestconfig):
            manager = pytestconfig.pluginmanager
            copies = [p for p in manager.get_plugins() if p is contract_tests.plugin]
            assert len(copies) == 1 and manager.get_plugin("contract_tests.plugin") is contract_tests.plugin
            assert contract_tests.plugin.contract_options(pytestconfig).namespace == "once"
        """
    )
    explicit = ["-p", "contract_tests.plugin"] if autoload else []
    result = pytester.runpytest_subprocess(*explicit, "-p", "no:cacheprovider", "--namespace", "once")
    result.assert_outcomes(passed=1)


# README: the installed-tool examples run as written.


def _readme_section() -> str:
    return README.split("## Checking an implementation against the contract", 1)[1].split("\n## ", 1)[0]


def _installed_block() -> list[str]:
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", _readme_section(), flags=re.DOTALL)
    block = next(b for b in blocks if "contract-tests --base-url" in b)
    return block.strip().splitlines()


def test_readme_install_line_names_the_contract_extra() -> None:
    import tomllib

    lines = _installed_block()
    assert lines[0] == "pip install 'mixpeek-interactions-mock[contract]'"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "contract" in extras and "mixpeek-interactions-mock[contract]" in extras["test"]


@pytest.mark.parametrize("tool", ["contract-tests", "pytest"])
def test_readme_runs_work_as_written(outside: Path, mock: BackgroundServer, tool: str) -> None:
    line = next(entry for entry in _installed_block() if entry.startswith(f"{tool} "))
    assert "https://staging.example.com" in line and "$STAGING_API_KEY" in line
    argv = shlex.split(line.replace("https://staging.example.com", mock.url).replace("$STAGING_API_KEY", KEY))
    command = contract_tests(*argv[1:]) if tool == "contract-tests" else plain_pytest(*argv[1:])
    # The whole suite takes minutes; the auth tests prove the options arrive.
    done = run([*command, "-k", "auth", "-q"], outside)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    if "--junitxml" in argv:
        assert (outside / argv[argv.index("--junitxml") + 1]).exists()


def _api_version_block() -> list[str]:
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", _readme_section(), flags=re.DOTALL)
    return next(b for b in blocks if "--api-version 2026-11" in b).strip().splitlines()


@pytest.mark.parametrize("index", [0, 1], ids=["embedded", "remote"])
def test_readme_api_version_lines_work_as_written(outside: Path, index: int) -> None:
    """Each line runs as written (a 2026-11 mock in place of staging) and checks what only 2026-11 has."""
    words = shlex.split(_api_version_block()[index])
    settings = [word for word in words if re.fullmatch(r"[A-Z_]+=\S+", word)]
    tool, *args = words[len(settings) :]
    env = clean_env(**dict(setting.split("=", 1) for setting in settings))
    only_2026 = ["-k", "the_total_is_counted_only_when_asked", "--contract-examples", "5", "-p", "no:cacheprovider"]
    if tool == "pytest":
        done = run(plain_pytest(*args, *only_2026), ROOT, env)
    else:
        assert tool == "contract-tests"
        with BackgroundServer(Settings(port=0, count=0, api_keys=frozenset({KEY}), api_version="2026-11")) as mock:
            given = {"https://staging.example.com": mock.url, "$STAGING_API_KEY": KEY}
            done = run(contract_tests(*(given.get(arg, arg) for arg in args), *only_2026), outside, env)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]


def test_readme_states_the_exit_codes() -> None:
    section = " ".join(_readme_section().split())
    for row in ("| 0 | every check passed |", "| 1 |", "| 2 | usage error"):
        assert row in section, row
    assert "pytest --pyargs contract_tests --base-url" in section
