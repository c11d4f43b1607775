"""The ``mockserver`` console script, as a user runs it."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.conftest import RunningCli

API = "/v1/retrievers/interactions"
HEADERS = {"Authorization": "Bearer cli", "X-Namespace": "cli"}


def test_help_shows_every_option_with_its_default() -> None:
    out = " ".join(subprocess.run(["mockserver", "--help"], capture_output=True, text=True, check=True).stdout.split())
    for option, default in [
        ("--host", "127.0.0.1"),
        ("--port", "8000"),
        ("--seed", "42"),
        ("--count", "1000"),
        ("--max-body-bytes", "1048576"),
        ("--slow-ms", "100"),
    ]:
        assert option in out and f"(default: {default})" in out, option
    assert "--api-key" in out and "--namespace" in out and "MOCKSERVER_" in out


def test_help_says_each_default_once_and_the_readme_lists_every_option() -> None:
    out = subprocess.run(["mockserver", "--help"], capture_output=True, text=True, check=True).stdout
    entries = " ".join(out.split()).split(" --")
    assert not [entry for entry in entries if entry.count("(default") > 1]
    assert "(default: None)" not in out and "(default: False)" not in out
    options = set(re.findall(r"^\s+(--[a-z-]+)", out, flags=re.MULTILINE)) - {"--help"}
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = set(re.findall(r"^\| `(--[a-z-]+)", readme, flags=re.MULTILINE))
    assert options <= table, options - table


def test_version_is_printed() -> None:
    out = subprocess.run(["mockserver", "--version"], capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"mockserver \d+\.\d+\.\d+\S*\n", out)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MOCKSERVER_PORT", "abc", "MOCKSERVER_PORT=abc: expected a whole number"),
        ("MOCKSERVER_SEED", "x", "MOCKSERVER_SEED=x: expected a whole number"),
        ("MOCKSERVER_ERROR_RATE", "2", "MOCKSERVER_ERROR_RATE=2: must be between 0 and 1"),
        ("MOCKSERVER_STRICT", "maybe", "MOCKSERVER_STRICT=maybe: expected true/false, 1/0 or yes/no"),
        ("MOCKSERVER_QUIET", "on", "MOCKSERVER_QUIET=on: expected true/false, 1/0 or yes/no"),
        ("MOCKSERVER_API_VERSION", "2026", "MOCKSERVER_API_VERSION=2026: the API versions are 2025-12, 2026-11"),
        ("MOCKSERVER_DEDUP_WINDOW", "-5", "MOCKSERVER_DEDUP_WINDOW=-5: must be between 0 and 86400 s"),
    ],
)
def test_a_bad_environment_value_names_its_variable(variable: str, value: str, message: str) -> None:
    import os

    result = subprocess.run(
        ["mockserver"], capture_output=True, text=True, timeout=20, env={**os.environ, variable: value}
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_the_banner_says_what_is_served(cli: Callable[..., RunningCli], tmp_path: Path) -> None:
    empty = cli("--count", "0", "--latency", "5", "--rate-limit", "3/s", env={"MOCKSERVER_STRICT": "yes"})
    banner = "\n".join(empty.banner)
    assert "a new one starts with no records (--count 0)" in banner
    assert (
        "faults: latency 5 ms, error rate 0, rate limit 3/s" in banner and "API version: 2025-12 (+ strict)" in banner
    )
    empty.stop()
    state = tmp_path / "state.arrow"
    first = cli("--count", "2", "--state-file", str(state))
    requests.post(f"{first.url}{API}/list", headers=HEADERS, timeout=10)
    assert first.stop()[0] == 0
    again = cli("--count", "2", "--state-file", str(state))
    assert f"restored from {state}: 1 namespace(s), 2 records" in "\n".join(again.banner)
    again.stop()


def test_module_entry_point_matches_console_script() -> None:
    out = subprocess.run([sys.executable, "-m", "mockserver", "--help"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("usage: mockserver")


def test_banner_says_where_what_auth_and_how_to_stop(cli: Callable[..., RunningCli]) -> None:
    running = cli("--count", "3")
    banner = "\n".join(running.banner)
    assert "any non-empty Bearer token" in banner and "Ctrl+C" in banner
    page = requests.post(f"{running.url}{API}/list", headers=HEADERS, timeout=10).json()
    assert page["pagination"]["total"] == 3
    code, rest = running.stop()
    assert code == 0 and "stopped" in rest


def test_options_have_environment_twins(cli: Callable[..., RunningCli]) -> None:
    running = cli(env={"MOCKSERVER_PORT": "0", "MOCKSERVER_COUNT": "4", "MOCKSERVER_API_KEY": "k1,k2"})
    assert "2 configured API key(s)" in "\n".join(running.banner)
    ok = requests.post(f"{running.url}{API}/list", headers={**HEADERS, "Authorization": "Bearer k2"}, timeout=10)
    assert ok.json()["pagination"]["total"] == 4
    refused = requests.post(f"{running.url}{API}/list", headers=HEADERS, timeout=10)
    assert refused.status_code == 401


def test_command_line_wins_over_environment(cli: Callable[..., RunningCli]) -> None:
    running = cli("--count", "2", env={"MOCKSERVER_COUNT": "9"})
    page = requests.post(f"{running.url}{API}/list", headers=HEADERS, timeout=10).json()
    assert page["pagination"]["total"] == 2


def test_namespace_option_restricts(cli: Callable[..., RunningCli]) -> None:
    running = cli("--namespace", "demo", "--namespace", "prod", "--count", "0")
    assert "namespaces: demo, prod" in "\n".join(running.banner)
    other = requests.post(f"{running.url}{API}/list", headers=HEADERS, timeout=10)
    assert other.status_code == 404 and other.json()["error"]["type"] == "NotFoundError"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "http"], "expected a whole number"),
        (["--port", "70000"], "a port is 0..65535"),
        (["--count", "-5"], "must be 0 or more"),
        (["--seed", "x"], "invalid int value"),
        (["--bogus"], "unrecognized arguments"),
        (["--rate-limit", "0/s"], "between 0.01/s and 1000000/s"),
        (["--latency", "9-3"], "MIN <= MAX"),
        (["--error-rate", "2"], "between 0 and 1"),
        (["--slow-ms", "soon"], "expected milliseconds"),
        (["--slow-ms", "-1"], "between 0 and 3600000 ms"),
    ],
)
def test_usage_errors_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = subprocess.run(["mockserver", *args], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_environment_value_is_a_usage_error() -> None:
    import os

    result = subprocess.run(
        ["mockserver"], capture_output=True, text=True, timeout=20, env={**os.environ, "MOCKSERVER_PORT": "abc"}
    )
    assert result.returncode == 2 and "expected a whole number" in result.stderr


def test_port_in_use_exits_1_saying_why() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(["mockserver", "--port", str(port)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
