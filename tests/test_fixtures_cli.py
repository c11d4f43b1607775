"""The ``fixtures`` console script, run as a user runs it: in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import specs

FIXTURES = shutil.which("fixtures")
MOCKSERVER = shutil.which("mockserver")
pytestmark = pytest.mark.skipif(FIXTURES is None, reason="console script not installed: pip install -e '.[test]'")


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FIXTURES_")}
    return subprocess.run(
        [FIXTURES or "fixtures", *args],
        capture_output=True,
        env={**environment, **(env or {})},
        input=stdin,
        timeout=120,
    )


def generate(*args: str) -> bytes:
    done = run("generate", *args)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


# -- generate ------------------------------------------------------------------------------


def test_generate_twice_gives_identical_bytes_and_every_line_validates() -> None:
    first = generate("--count", "3000", "--seed", "9", "--namespace", "cli", "--format", "jsonl", "--output", "-")
    second = generate("--count", "3000", "--seed", "9", "--namespace", "cli", "--format", "jsonl", "--output", "-")
    assert first == second
    lines = first.decode().splitlines()
    assert len(lines) == 3000
    validator = specs.validator("InteractionResponse")
    for number, line in enumerate(lines, 1):
        errors = [e.message for e in validator.iter_errors(json.loads(line))]
        assert not errors, f"line {number}: {errors}"


def test_python_dash_m_json_format_file_output_and_env_twins_agree(tmp_path: Path) -> None:
    jsonl = generate("--count", "300", "--seed", "5")
    as_module = subprocess.run(
        [sys.executable, "-m", "fixtures", "generate", "--count", "300", "--seed", "5"], capture_output=True, timeout=60
    )
    assert as_module.returncode == 0 and as_module.stdout == jsonl

    array = json.loads(generate("--count", "300", "--seed", "5", "--format", "json"))
    assert array == [json.loads(line) for line in jsonl.splitlines()]

    target = tmp_path / "out.jsonl"
    assert generate("--count", "300", "--seed", "5", "--output", str(target)) == b""
    assert target.read_bytes() == jsonl
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"], "no temporary file left behind"

    from_env = run("generate", env={"FIXTURES_COUNT": "300", "FIXTURES_SEED": "5"})
    assert from_env.stdout == jsonl


def test_workers_give_the_same_bytes_as_one_process() -> None:
    """60,000 records: five blocks, and enough for "auto" to use every core."""
    one = generate("--count", "60000", "--seed", "3", "--workers", "1")
    assert len(one.splitlines()) == 60_000
    assert generate("--count", "60000", "--seed", "3") == one, "auto"
    array = generate("--count", "20000", "--seed", "3", "--format", "json", "--workers", "2")
    from_env = run("generate", "--count", "20000", "--seed", "3", "--format", "json", env={"FIXTURES_WORKERS": "1"})
    assert from_env.returncode == 0 and from_env.stdout == array
    assert json.loads(array) == [json.loads(line) for line in one.splitlines()[:20000]]


def test_parquet_to_a_file_or_a_pipe_holds_the_records(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from fixtures import read_records

    jsonl = generate("--count", "3000", "--seed", "5")
    target = tmp_path / "demo.parquet"
    assert generate("--count", "3000", "--seed", "5", "--format", "parquet", "--output", str(target)) == b""
    assert [p.name for p in tmp_path.iterdir()] == ["demo.parquet"], "no temporary file left behind"
    assert list(read_records(target)) == [json.loads(line) for line in jsonl.splitlines()]
    assert pq.ParquetFile(target).metadata.num_rows == 3000
    piped = generate("--count", "3000", "--seed", "5", "--format", "parquet", "--workers", "2")
    assert piped == target.read_bytes()


def test_parquet_is_not_written_to_a_terminal() -> None:
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [FIXTURES or "fixtures", "generate", "--count", "5", "--format", "parquet"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 2
    assert b"Parquet is binary" in done.stderr


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    done = run("generate", "--count", "20000", "--seed", "1", "--output", "-")
    assert done.returncode == 0 and done.stdout
    assert done.stderr == b""


def test_progress_bar_on_a_terminal() -> None:
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [FIXTURES or "fixtures", "generate", "--count", "20000", "--output", "-"],
            stdout=subprocess.DEVNULL,
            stderr=terminal,
            timeout=60,
        )
        os.close(terminal)
        drawn = b""
        with contextlib.suppress(OSError):  # EIO once the terminal side is closed and drained
            while chunk := os.read(controller, 4096):
                drawn += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0
    assert b"generating" in drawn and b"100%" in drawn and b"20,000/20,000" in drawn


def test_output_to_a_device_writes_through_it(tmp_path: Path) -> None:
    """Renaming a temporary file over /dev/null would replace the device with a plain file."""
    done = run("generate", "--count", "50", "--output", os.devnull)
    assert done.returncode == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode), "/dev/null must still be a character device"
    link = tmp_path / "link.jsonl"
    real = tmp_path / "real.jsonl"
    real.write_bytes(b"")
    link.symlink_to(real)
    assert run("generate", "--count", "5", "--output", str(link)).returncode == 0
    assert link.is_symlink() and len(real.read_bytes().splitlines()) == 5


def test_help_shows_defaults_and_env_twins() -> None:
    generate_help = run("generate", "--help").stdout.decode()
    assert "(default: 1000)" in generate_help and "FIXTURES_SEED" in generate_help
    assert "FIXTURES_WORKERS" in generate_help and "(default: auto)" in generate_help
    assert "parquet" in generate_help
    load_help = run("load", "--help").stdout.decode()
    assert "(default: 500)" in load_help and "FIXTURES_API_KEY" in load_help


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["generate", "--count", "-1"], {}, "--count: must be 0 or more"),
        (["generate", "--format", "xml"], {}, "--format"),
        (["generate"], {"FIXTURES_DAYS": "0"}, "--days: must be at least one second"),
        (["generate", "--days", "0.0000001"], {}, "--days: must be at least one second"),
        (["generate", "--output", "/no/such/dir/x.jsonl"], {}, "directory /no/such/dir does not exist"),
        (["generate", "--format", "parquet", "--output", "/no/such/dir/x.parquet"], {}, "does not exist"),
        (["generate", "--output", "/dev/full"], {}, "cannot write /dev/full: No space left on device"),
        (["generate", "--format", "parquet", "--output", "/dev/full"], {}, "cannot write /dev/full"),
        (["generate", "--workers", "0"], {}, "--workers: must be 1..64, got 0 (or 'auto')"),
        (["generate", "--workers", "many"], {}, "--workers: expected a whole number, got 'many' (or 'auto')"),
        (["generate"], {"FIXTURES_WORKERS": "-2"}, "--workers: must be 1..64"),
        (["load", "/no/such/file.jsonl", "--api-key", "k", "--namespace", "n"], {}, "cannot open"),
        (["load", "x.jsonl", "--api-key", "k", "--namespace", "n", "--base-url", "localhost:1"], {}, "base URL"),
        (["load", "x.jsonl", "--namespace", "n"], {}, "load needs --api-key (or FIXTURES_API_KEY)"),
        (["load", "--api-key", "k", "--namespace", "n"], {}, "needs a FILE"),
    ],
)
def test_usage_errors_exit_2_with_a_message_and_no_traceback(
    args: list[str], env: dict[str, str], message: str
) -> None:
    done = run(*args, env=env)
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert message in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.parquet", b'{"feature_id": "a"}\n', "not a Parquet file (it does not start with PAR1)"),
        ("data.jsonl", b"PAR1 but nothing else of one", "not a readable Parquet file"),
    ],
)
def test_load_of_a_file_that_is_not_parquet_exits_2(name: str, content: bytes, message: str, tmp_path: Path) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    done = run("load", str(bad), "--api-key", "k", "--namespace", "n", "--base-url", "http://127.0.0.1:9")
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert f"{bad}: {message}" in stderr and "Traceback" not in stderr


def test_load_of_a_broken_file_names_the_line_and_sends_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"feature_id": "a", "interaction_type": ["click"], "position": 0}\n{oops\n')
    done = run("load", str(bad), "--api-key", "k", "--namespace", "n", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert f"{bad}:2: invalid JSON" in done.stderr.decode()


def test_load_to_an_unreachable_server_exits_2() -> None:
    done = run(
        "load", "-", "--api-key", "k", "--namespace", "n", "--base-url", "http://127.0.0.1:9", "--retries", "1",
        "--backoff", "0.01",
        stdin=b'{"feature_id": "a", "interaction_type": ["click"], "position": 0}\n',
    )  # fmt: skip
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert "cannot reach http://127.0.0.1:9" in stderr and "Traceback" not in stderr
    # Each wait is said as it begins: what is retried, why, which retry and how long.
    assert "fixtures: retrying: cannot reach http://127.0.0.1:9/v1/retrievers/interactions/batch" in stderr
    assert "retry 1 of 1 in " in stderr


# -- generate, then load into a running mock -------------------------------------------------


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    if MOCKSERVER is None:
        pytest.skip("mockserver console script not installed")
    server = subprocess.Popen(
        [MOCKSERVER, "--host", "127.0.0.1", "--port", "0", "--count", "0"], stderr=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(30, server.kill)  # a server that never says where it listens
    watchdog.start()
    try:
        assert server.stderr is not None
        for line in server.stderr:
            found = re.search(r"mockserver listening on (http://\S+)", line)
            if found:
                watchdog.cancel()
                yield found.group(1)
                break
        else:
            pytest.fail(f"mockserver exited with {server.wait()} before listening")
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=10)


def list_page(base_url: str, namespace: str, body: dict[str, Any] | None = None, limit: int = 1) -> dict[str, Any]:
    # include_total: a 2026-11 server counts only when asked (a 2025-12 one always does).
    request = urllib.request.Request(
        f"{base_url}/v1/retrievers/interactions/list?limit={limit}&include_total=true",
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": "Bearer k", "X-Namespace": namespace, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        page: dict[str, Any] = json.load(response)
    return page


def list_total(base_url: str, namespace: str, body: dict[str, Any] | None = None) -> int:
    total: int = list_page(base_url, namespace, body)["pagination"]["total"]
    return total


def test_generate_then_load_then_list_finds_them_all(mock_url: str, tmp_path: Path) -> None:
    data = tmp_path / "demo.jsonl"
    generate("--count", "3000", "--seed", "7", "--output", str(data))
    done = run("load", str(data), "--base-url", mock_url, "--api-key", "k", "--namespace", "round-trip")
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "3,000 created, 0 failed" in stderr
    assert list_total(mock_url, "round-trip") == 3000
    records = [json.loads(line) for line in data.read_text().splitlines()]
    retriever = records[0]["retriever_id"]
    expected = sum(r["retriever_id"] == retriever for r in records)
    assert list_total(mock_url, "round-trip", {"retriever_id": retriever}) == expected


def test_generate_parquet_then_load_it(mock_url: str, tmp_path: Path) -> None:
    data = tmp_path / "demo.parquet"
    generate("--count", "2000", "--seed", "8", "--format", "parquet", "--output", str(data))
    done = run("load", str(data), "--base-url", mock_url, "--api-key", "k", "--namespace", "from-parquet")
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "2,000 created, 0 failed" in stderr
    assert list_total(mock_url, "from-parquet") == 2000
    piped = run(
        "load", "-", "--base-url", mock_url, "--api-key", "k", "--namespace", "parquet-stdin", stdin=data.read_bytes()
    )
    assert piped.returncode == 0, piped.stderr.decode()
    assert list_total(mock_url, "parquet-stdin") == 2000


def test_load_with_some_bad_records_exits_1_and_says_which(mock_url: str, tmp_path: Path) -> None:
    data = tmp_path / "mixed.json"
    good = {"feature_id": "doc_1", "interaction_type": ["click"], "position": 0}
    data.write_text(json.dumps([good, {**good, "interaction_type": ["teleport"]}, good]))
    done = run("load", str(data), "--base-url", mock_url, "--api-key", "k", "--namespace", "mixed")
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert "2 created, 1 failed" in stderr and "record 2: body.interactions.1.interaction_type.0:" in stderr
    assert list_total(mock_url, "mixed") == 2


# -- API version 2026-11 ---------------------------------------------------------------------


def test_generate_2026_writes_the_generators_bytes_in_every_format(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fixtures import generate_jsonl, read_records

    options = ("--count", "3000", "--seed", "5")
    jsonl = generate(*options, "--api-version", "2026-11")
    assert jsonl == b"".join(generate_jsonl(3000, 5, "default", api_version="2026-11"))
    assert run("generate", *options, env={"FIXTURES_API_VERSION": "2026-11"}).stdout == jsonl
    assert generate(*options, "--api-version", "2025-12") == generate(*options), "the default"
    target = tmp_path / "demo.parquet"
    generate(*options, "--api-version", "2026-11", "--format", "parquet", "--output", str(target))
    assert list(read_records(target)) == [json.loads(line) for line in jsonl.splitlines()]
    assert pq.read_schema(target).field("occurred_at").type == pa.timestamp("us", tz="UTC")
    piped = generate(*options, "--api-version", "2026-11", "--format", "parquet", "--workers", "2")
    assert piped == target.read_bytes()


@pytest.mark.parametrize("command", [["generate"], ["load", "-", "--api-key", "k", "--namespace", "n"]])
def test_an_unknown_api_version_is_a_usage_error(command: list[str]) -> None:
    done = run(*command, "--api-version", "2027-01")
    assert done.returncode == 2
    assert "--api-version: choose one of 2025-12, 2026-11, got '2027-01'" in done.stderr.decode()


def test_load_2026_into_a_2026_mock_counts_the_repeats_it_drops(tmp_path: Path) -> None:
    from mockserver import BackgroundServer, Settings

    data = tmp_path / "demo.jsonl"
    generate("--count", "2000", "--seed", "7", "--api-version", "2026-11", "--output", str(data))
    records = [json.loads(line) for line in data.read_text().splitlines()]
    distinct = len({(r["execution_id"], r["feature_id"], frozenset(r["interaction_type"])) for r in records})
    with BackgroundServer(Settings(port=0, count=0, api_version="2026-11")) as server:
        args = ("--base-url", server.url, "--api-key", "k", "--namespace", "dedup", "--api-version", "2026-11")
        done = run("load", str(data), *args)
        stderr = done.stderr.decode()
        assert done.returncode == 0, stderr
        assert f"{distinct:,} created, {2000 - distinct} deduplicated, 0 failed" in stderr
        assert list_total(server.url, "dedup", {}) == distinct
        one = run("load", "-", *args, "--batch-size", "1", stdin=data.read_text().splitlines()[0].encode())
        assert one.returncode == 0 and "0 created, 1 deduplicated, 0 failed" in one.stderr.decode()


def test_the_readme_2026_fixtures_example_works(tmp_path: Path) -> None:
    from mockserver import BackgroundServer, Settings

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    block = next(b for b in blocks if b.startswith("fixtures generate --api-version 2026-11"))
    summary = re.search(r"the load ends with `([^`]+)`", readme.replace("\n", " "))
    assert summary is not None
    environment = {**os.environ, "PATH": f"{Path(FIXTURES or 'fixtures').parent}{os.pathsep}{os.environ['PATH']}"}
    with BackgroundServer(Settings(port=0, count=0, api_version="2026-11")) as server:
        script = block.replace("http://127.0.0.1:8000", server.url)
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert summary.group(1) in done.stderr
        page = list_page(server.url, "demo", limit=5)
    from fixtures import read_records

    assert list(read_records(tmp_path / "demo-2026.parquet")) == list(read_records(tmp_path / "demo-2026.jsonl"))
    newest = max(r["occurred_at"] for r in read_records(tmp_path / "demo-2026.jsonl"))
    assert page["results"][0]["occurred_at"] == newest, "newest occurred_at first, as the file has it"
