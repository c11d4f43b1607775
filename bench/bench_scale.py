"""Scale benchmark: the mock at 100k and 1M records in one namespace, against the targets and DuckDB.

For each size N (``--sizes``, default 100000 1000000; ``--quick``: 20000 only), over HTTP on
127.0.0.1 (``mockserver`` subprocesses on free ports, ``Authorization: Bearer dev``,
``X-Namespace: probe``):

- start-up to the first list answer (process start to answer; the namespace is seeded on
  first use): generating ``--count N --seed 5``; from the mock's own ``--state-file`` (made
  by the generating run, saved when it is stopped with SIGTERM); from a ``--data`` JSONL
  file written by ``fixtures generate --count N --seed 5 --namespace probe`` (the same
  records);
- resident memory per record: VmRSS after seeding N, minus VmRSS of the same server seeded
  with 10 records (both with a ``--state-file``, whose reader brings pyarrow), over N (and,
  not a target, after the queries below);
- the first filter on a field path never used before (``metadata.city``,
  ``metadata.utm_source``) and the first sort on one (``metadata.duration_ms``,
  ``query_snapshot.text``), sent right after start-up, before any other query;
- 12 fresh queries, none ever seen by the server: a 3-level tree (``position`` lte k,
  ``metadata.device`` in 2 of the devices, ``document_score`` gte x OR ``interaction_type``
  contains t), sort on ``position`` asc or desc, a one-word ``search`` drawn from metadata
  values (a city, a query word, drawn by frequency). They are the first queries on these
  paths, so the first pays whatever the engine builds once per path: it is in p50 and
  worst, and the worst of the 11 after it is shown too (not a target);
- create then list, 20 times (after one untimed pair): the list filters the new record's
  ``feature_id`` in the filters tree, sorts on ``document_score``, and must see it;
- the DuckDB anchor (``bench/duckdb_anchor.py``): the same JSONL loaded with ``read_json``
  (``metadata`` as a STRUCT, 2 threads), the same 12 queries as SQL; load time, p50, worst,
  and whether totals and first pages agree with the mock's.

``--stretch`` adds 10M records: generating start-up, memory per record and the fresh-query
p50 only, reported without targets. Every request is capped at ``--query-timeout`` seconds
(60), every start-up at ``--startup-timeout`` (900), every subprocess by a timeout; servers
are killed on exit. Prints figure | measured | target | verdict and exits 0: figures, not
asserts.

Needs ``duckdb`` (``pip install duckdb``) for the anchor; without it the anchor rows are
skipped. Usage: ``python bench/bench_scale.py`` (``--quick`` for a small run,
``--sizes 100000`` for one size).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import math
import os
import queue
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
API = "/v1/retrievers/interactions"
LIST = f"{API}/list"
NAMESPACE = "probe"
HEADERS = {"Authorization": "Bearer dev", "X-Namespace": NAMESPACE, "Content-Type": "application/json"}
SEED = 5
FRESH_QUERIES = 12
CREATE_ROUNDS = 20
TINY = 10
STRETCH = 10_000_000
KB = 1024

# The targets: (figure key, size or None for every size) -> limit; "vs duckdb" is a
# minimum ratio, everything else a maximum (ms, s, bytes).
TARGETS: dict[tuple[str, int | None], float] = {
    ("fresh p50", 100_000): 8,
    ("fresh p50", 1_000_000): 60,
    ("fresh worst", 1_000_000): 250,
    ("vs duckdb", 1_000_000): 2.0,
    ("first filter", None): 150,
    ("first sort", None): 150,
    ("create p50", None): 2,
    ("list p50", None): 60,
    ("start generating", 1_000_000): 12,
    ("start state file", 1_000_000): 4,
    ("start data file", 1_000_000): 10,
    ("bytes per record", 1_000_000): 1.1 * KB,
}


def target(key: str, size: int) -> float | None:
    return TARGETS.get((key, size), TARGETS.get((key, None)))


# --- the server and the client ------------------------------------------------------------


def tool_command(name: str) -> str:
    """The console script ``name`` of this interpreter's environment (else the one on PATH)."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"no {name} console script: pip install -e . in this environment")
    return found


class Server:
    """A ``mockserver`` process on a free port; ``started`` is the monotonic time it was launched."""

    def __init__(self, args: list[str], timeout_s: float) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [tool_command("mockserver"), "--host", "127.0.0.1", "--port", "0", "--quiet", *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        LIVE.append(self)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.tail: collections.deque[str] = collections.deque(maxlen=20)
        threading.Thread(target=self._drain, daemon=True).start()
        self.port = self._wait_banner(timeout_s)

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def _wait_banner(self, timeout_s: float) -> int:
        deadline = self.started + timeout_s
        banner = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            banner.append(line.rstrip("\n"))
            if "press Ctrl+C to stop" in line:
                found = re.search(r"listening on http://[^\s:]+:(\d+)", "\n".join(banner))
                if found:
                    return int(found.group(1))
        self.kill()
        raise RuntimeError(f"mockserver did not start in {timeout_s:g} s: {banner[-5:]}")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * KB
        raise RuntimeError("no VmRSS")

    def terminate(self, timeout_s: float) -> float | None:
        """SIGTERM (the mock saves its state file then) and the seconds until it exited, or None: killed."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            if self in LIVE:
                LIVE.remove(self)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        if self in LIVE:
            LIVE.remove(self)


LIVE: list[Server] = []


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    ms: float

    @property
    def total(self) -> int | None:
        return self.body.get("pagination", {}).get("total") if isinstance(self.body, dict) else None

    @property
    def ids(self) -> list[str]:
        return [r["interaction_id"] for r in self.body.get("results", [])] if isinstance(self.body, dict) else []


class Client:
    """One kept-alive HTTP connection to a server; a request that times out returns None (and reconnects)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: Any, timeout_s: float) -> Reply | None:
        data = None if body is None else json.dumps(body).encode()
        started = time.perf_counter()
        try:
            if self.connection.sock is None:
                self.connection.connect()
            assert self.connection.sock is not None
            self.connection.sock.settimeout(timeout_s)
            self.connection.request(method, path, body=data, headers=HEADERS)
            response = self.connection.getresponse()
            raw = response.read()
        except TimeoutError:
            self.connection.close()
            return None
        except (ConnectionError, http.client.HTTPException):
            self.connection.close()
            raise
        ms = (time.perf_counter() - started) * 1000
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Reply(response.status, parsed, ms)

    def list(self, body: dict[str, Any], timeout_s: float, query: str = "limit=10") -> Reply | None:
        return self.request("POST", f"{LIST}?{query}", body, timeout_s)

    def wait_idle(self, timeout_s: float) -> bool:
        """After a timed-out query: wait until the server answers again (it is still busy with it)."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            reply = self.request("POST", f"{LIST}?limit=1", {}, min(left, 30))
            if reply is not None:
                return True
        return False


# --- the queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FreshQuery:
    position_lte: int
    devices: tuple[str, str]
    score_gte: float
    interaction_type: str
    direction: str
    term: str

    def body(self) -> dict[str, Any]:
        return {
            "filters": {
                "AND": [
                    {"field": "position", "operator": "lte", "value": self.position_lte},
                    {"metadata.device": {"in": list(self.devices)}},
                    {
                        "OR": [
                            {"field": "document_score", "operator": "gte", "value": self.score_gte},
                            {"field": "interaction_type", "operator": "contains", "value": self.interaction_type},
                        ]
                    },
                ]
            },
            "sort": {"field": "position", "direction": self.direction},
            "search": self.term,
        }


@dataclass(frozen=True)
class Vocabulary:
    """Values that exist in the served records, drawn from pages spread over the namespace."""

    devices: list[str]
    types: list[str]
    cities: list[str]
    utm_sources: list[str]
    terms: collections.Counter[str]  # word of a city or query -> sampled records holding it


def vocabulary(client: Client, size: int, timeout_s: float) -> Vocabulary:
    page_size = 250
    pages = max(1, size // page_size)
    devices, types, cities, utm = set(), set(), set(), set()
    terms: collections.Counter[str] = collections.Counter()
    for page in sorted({1 + i * pages // 8 for i in range(8)}):
        reply = client.list({}, timeout_s, f"page={page}&page_size={page_size}")
        if reply is None or reply.status != 200:
            raise RuntimeError(f"cannot read page {page} of the namespace: {reply}")
        for record in reply.body["results"]:
            metadata = record.get("metadata") or {}
            types.update(record.get("interaction_type") or [])
            for key, into in (("device", devices), ("city", cities), ("utm_source", utm)):
                if isinstance(metadata.get(key), str):
                    into.add(metadata[key])
            texts = " ".join(metadata[key] for key in ("city", "query") if isinstance(metadata.get(key), str))
            terms.update(set(re.findall(r"[A-Za-z]{4,}", texts)))
    return Vocabulary(sorted(devices), sorted(types), sorted(cities), sorted(utm), terms)


def draw_terms(terms: collections.Counter[str], count: int, rng: random.Random) -> list[str]:
    """``count`` distinct words, each drawn with a weight of how many records hold it (Efraimidis-Spirakis)."""
    if len(terms) < count:
        raise RuntimeError(f"only {len(terms)} search words in the sampled records")
    keyed = sorted(terms, key=lambda word: rng.random() ** (1 / terms[word]), reverse=True)
    return keyed[:count]


def fresh_queries(vocab: Vocabulary, rng: random.Random) -> list[FreshQuery]:
    """The 12 fresh queries, each with its own search term."""
    queries = []
    for i, term in enumerate(draw_terms(vocab.terms, FRESH_QUERIES, rng)):
        first, second = rng.sample(vocab.devices, 2)
        queries.append(
            FreshQuery(
                position_lte=rng.randint(0, 9),
                devices=(first, second),
                score_gte=round(rng.uniform(0.3, 0.95), 2),
                interaction_type=rng.choice(vocab.types),
                direction=("asc", "desc")[i % 2],
                term=term,
            )
        )
    return queries


# --- the measurements -------------------------------------------------------------------------


def server_args(size: int, *extra: str) -> list[str]:
    return ["--count", str(size), "--seed", str(SEED), "--max-records", str(max(size + 10_000, 1_000_000)), *extra]


def start_up(args: list[str], timeout_s: float) -> tuple[Server, Client, float]:
    """A started server, a client, and the seconds from process start to its first list answer."""
    server = Server(args, timeout_s)
    client = Client(server.port)
    left = max(1.0, server.started + timeout_s - time.monotonic())
    reply = client.list({}, left, "limit=1")
    if reply is None or reply.status != 200:
        server.kill()
        raise RuntimeError(f"first list: {reply}")
    return server, client, time.monotonic() - server.started


def generate_jsonl(size: int, path: Path, timeout_s: float) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            tool_command("fixtures"),
            "generate",
            "--count",
            str(size),
            "--seed",
            str(SEED),
            "--namespace",
            NAMESPACE,
            "-o",
            str(path),
        ],
        cwd=ROOT,
        check=True,
        timeout=timeout_s,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


@dataclass(frozen=True)
class Timed:
    label: str
    reply: Reply | None

    @property
    def ms(self) -> float:
        return self.reply.ms if self.reply is not None and self.reply.status == 200 else math.inf


def first_paths(client: Client, vocab: Vocabulary, timeout_s: float) -> tuple[list[Timed], list[Timed]]:
    """The first filter on two paths never used before, then the first sort on two others."""
    city = vocab.cities[len(vocab.cities) // 2]
    filters = [
        ("metadata.city eq", {"filters": {"AND": [{"field": "metadata.city", "operator": "eq", "value": city}]}}),
        ("metadata.utm_source in", {"filters": {"metadata.utm_source": {"in": vocab.utm_sources[:2]}}}),
    ]
    sorts = [
        ("metadata.duration_ms desc", {"sort": {"field": "metadata.duration_ms", "direction": "desc"}}),
        ("query_snapshot.text asc", {"sort": {"field": "query_snapshot.text", "direction": "asc"}}),
    ]
    return (
        [Timed(label, client.list(body, timeout_s)) for label, body in filters],
        [Timed(label, client.list(body, timeout_s)) for label, body in sorts],
    )


def run_fresh(client: Client, queries: list[FreshQuery], timeout_s: float) -> list[Timed]:
    """Each query once; after one that times out, wait (bounded) for the server before the next."""
    out: list[Timed] = []
    for number, query in enumerate(queries, start=1):
        reply = client.list(query.body(), timeout_s)
        out.append(Timed(f"q{number}", reply))
        shown = "timeout" if reply is None else f"{reply.status} {reply.ms:9.1f} ms total={reply.total}"
        print(f"    q{number:<2} {shown}", flush=True)
        if reply is None and not client.wait_idle(10 * timeout_s):
            out += [Timed(f"q{n}", None) for n in range(number + 1, len(queries) + 1)]
            break
    return out


@dataclass(frozen=True)
class CreateList:
    create_ms: list[float]
    list_ms: list[float]
    seen: int
    errors: int


def create_then_list(client: Client, rounds: int, timeout_s: float) -> CreateList:
    """Create a record, then list with its feature_id in the filters tree; the first pair is not counted."""
    create_ms, list_ms, seen, errors = [], [], 0, 0
    for number in range(rounds + 1):
        feature = f"doc_scale_{os.getpid()}_{number}"
        record = {"feature_id": feature, "interaction_type": ["click"], "position": 2, "document_score": 0.5}
        created = client.request("POST", API, {**record, "metadata": {"device": "mobile"}}, timeout_s)
        body = {
            "filters": {
                "AND": [
                    {"field": "feature_id", "operator": "eq", "value": feature},
                    {"field": "position", "operator": "lte", "value": 5},
                ]
            },
            "sort": {"field": "document_score", "direction": "desc"},
        }
        listed = client.list(body, timeout_s)
        if number == 0:
            continue
        if created is None or created.status not in (200, 201) or listed is None or listed.status != 200:
            errors += 1
            continue
        create_ms.append(created.ms)
        list_ms.append(listed.ms)
        seen += created.body["interaction_id"] in listed.ids
    return CreateList(create_ms, list_ms, seen, errors)


def duckdb_anchor(path: Path, queries: list[FreshQuery], timeout_s: float) -> tuple[float, list[Any]] | None:
    """DuckDB's load seconds and its answers to the queries, or None when duckdb is not installed."""
    try:
        import duckdb_anchor as anchor
    except ImportError:
        return None
    con, load_s = anchor.load(path, threads=2, timeout_s=10 * timeout_s)
    try:
        return load_s, anchor.run(con, queries, timeout_s)
    finally:
        con.close()


# --- the report --------------------------------------------------------------------------------


@dataclass
class Row:
    figure: str
    measured: str
    target: str = "-"
    verdict: str = "-"


def ms_text(ms: float) -> str:
    return "n/a" if math.isinf(ms) else f"{ms:.1f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


SHOWN = {"ms": ms_text, "s": lambda v: f"{v:.2f} s", "B": lambda v: f"{v:.0f} B"}


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else math.inf


def judged(figure: str, value: float, key: str, size: int, unit: str) -> Row:
    """A row with ``value`` (in ``unit``) against the target ``key`` at ``size`` (a maximum), if there is one."""
    limit = target(key, size)
    if limit is None:
        return Row(figure, SHOWN[unit](value))
    met = not math.isinf(value) and value <= limit
    return Row(figure, SHOWN[unit](value), f"<= {limit:g} {unit}", "met" if met else "MISSED")


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k" if size % 1000 == 0 else str(size)


def say(size: int, text: str) -> None:
    print(f"  [{label(size)}] {text}", flush=True)


# --- one size ----------------------------------------------------------------------------------


@dataclass
class Fresh:
    """The fresh queries and the mock's answers to them."""

    queries: list[FreshQuery]
    answers: list[Timed]

    @property
    def p50(self) -> float:
        return p50([t.ms for t in self.answers])


def measure_generating(
    size: int, baseline_rss: int, state: Path | None, args: argparse.Namespace
) -> tuple[list[Row], Fresh]:
    """Start-up generating, memory, first paths, fresh queries; SIGTERM saves ``state`` (None: no first paths)."""
    extra = ["--state-file", str(state), "--save-interval", "86400"] if state else []
    server, client, seconds = start_up(server_args(size, *extra), args.startup_timeout)
    say(size, f"generating start-up {seconds:.2f} s")
    rows = [judged("start-up, generating --count N", seconds, "start generating", size, "s")]
    try:
        per_record = (server.rss_bytes() - baseline_rss) / size
        rows.append(judged("resident memory per record after seeding", per_record, "bytes per record", size, "B"))
        vocab = vocabulary(client, size, args.query_timeout)
        queries = fresh_queries(vocab, random.Random(f"scale-{size}"))
        if state:
            rows += first_path_rows(size, *first_paths(client, vocab, args.query_timeout))
        say(size, f"{FRESH_QUERIES} fresh tree + sort + search queries:")
        fresh = Fresh(queries, run_fresh(client, queries, args.query_timeout))
        rows += fresh_rows(size, fresh)
        after = (server.rss_bytes() - baseline_rss) / size
        rows.append(Row("resident memory per record after the queries", f"{after:.0f} B"))
    finally:
        if state:
            exited = server.terminate(timeout_s=args.startup_timeout)
            say(
                size, "stopped with SIGTERM: " + ("killed, not saved" if exited is None else f"saved in {exited:.1f} s")
            )
        else:
            server.kill()
    return rows, fresh


def first_path_rows(size: int, filters: list[Timed], sorts: list[Timed]) -> list[Row]:
    rows = []
    for key, group in (("first filter", filters), ("first sort", sorts)):
        for timed in group:
            say(size, f"{key} {timed.label}: {ms_text(timed.ms)} total={timed.reply and timed.reply.total}")
        paths = ", ".join(t.label.split()[0] for t in group)
        rows.append(judged(f"{key} on a new path (worst of {paths})", max(t.ms for t in group), key, size, "ms"))
    return rows


def fresh_rows(size: int, fresh: Fresh) -> list[Row]:
    answered = sum(t.reply is not None and t.reply.status == 200 for t in fresh.answers)
    totals = " ".join(str(t.reply.total) if t.reply else "-" for t in fresh.answers)
    times = [t.ms for t in fresh.answers]
    worst = times.index(max(times))
    return [
        judged(f"fresh tree+sort+search p50 ({answered}/12 answered 200)", fresh.p50, "fresh p50", size, "ms"),
        judged(f"fresh tree+sort+search worst (q{worst + 1})", times[worst], "fresh worst", size, "ms"),
        Row("  worst of the 11 after q1 (not a target)", ms_text(max(times[1:], default=math.inf))),
        Row(f"  their totals: {totals}", ""),
    ]


def measure_state_file(size: int, state: Path, args: argparse.Namespace) -> list[Row]:
    """Start-up from the state file the generating run saved, then create + list."""
    if not state.exists():
        return [Row("start-up, from --state-file", "n/a (not saved)", "-", "MISSED")]
    command = server_args(size, "--state-file", str(state), "--save-interval", "86400")
    server, client, seconds = start_up(command, args.startup_timeout)
    say(size, f"state-file start-up {seconds:.2f} s")
    try:
        made = create_then_list(client, CREATE_ROUNDS, args.query_timeout)
    finally:
        server.kill()
    rows = [
        judged("start-up, from --state-file", seconds, "start state file", size, "s"),
        judged(
            f"create p50 ({CREATE_ROUNDS} rounds, {made.errors} errors)", p50(made.create_ms), "create p50", size, "ms"
        ),
        judged(
            f"list right after it p50 (saw the new record {made.seen}/{CREATE_ROUNDS})",
            p50(made.list_ms),
            "list p50",
            size,
            "ms",
        ),
    ]
    if made.create_ms:
        worst = f"{ms_text(max(made.create_ms))} / {ms_text(max(made.list_ms))}"
        rows.append(Row("  create worst / list worst", worst))
    return rows


def measure_data_file(size: int, jsonl: Path, args: argparse.Namespace) -> list[Row]:
    """Start-up from a JSONL ``--data`` file (``fixtures generate`` writes it here; DuckDB reads it too)."""
    seconds = generate_jsonl(size, jsonl, args.startup_timeout)
    say(size, f"fixtures generate wrote {jsonl.stat().st_size / 1e6:.0f} MB in {seconds:.1f} s")
    server, _, seconds = start_up(server_args(size, "--data", str(jsonl)), args.startup_timeout)
    server.kill()
    say(size, f"data-file start-up {seconds:.2f} s")
    return [judged("start-up, from --data JSONL", seconds, "start data file", size, "s")]


def measure_duckdb(size: int, jsonl: Path, fresh: Fresh, args: argparse.Namespace) -> list[Row]:
    """DuckDB on the same records and queries, and whether its answers agree with the mock's."""
    anchored = duckdb_anchor(jsonl, fresh.queries, args.query_timeout)
    if anchored is None:
        return [Row("DuckDB anchor", "skipped: pip install duckdb")]
    load_s, answers = anchored
    times = [a.ms if a is not None else math.inf for a in answers]
    say(size, f"DuckDB: load {load_s:.1f} s, p50 {ms_text(p50(times))}")
    ratio = p50(times) / fresh.p50 if not math.isinf(fresh.p50) else 0.0
    minimum = target("vs duckdb", size)
    verdict = "-" if minimum is None else "met" if ratio >= minimum else "MISSED"
    pairs = list(zip(answers, fresh.answers, strict=True))
    totals = sum(a is not None and m.reply is not None and a.total == m.reply.total for a, m in pairs)
    pages = sum(a is not None and m.reply is not None and a.ids == m.reply.ids for a, m in pairs)
    return [
        Row("DuckDB load (read_json, metadata STRUCT, 2 threads)", f"{load_s:.2f} s"),
        Row("DuckDB same 12 queries p50", ms_text(p50(times))),
        Row("DuckDB same 12 queries worst", ms_text(max(times))),
        Row(
            "mock p50 faster than DuckDB p50 by",
            f"{ratio:.2f}x",
            "-" if minimum is None else f">= {minimum:g}x",
            verdict,
        ),
        Row("answers agree with DuckDB (totals, first pages)", f"{totals}/12, {pages}/12"),
    ]


def measure_size(size: int, baseline_rss: int, work: Path, args: argparse.Namespace) -> list[Row]:
    state, jsonl = work / f"state-{size}.json", work / f"probe-{size}.jsonl"
    rows, fresh = measure_generating(size, baseline_rss, state, args)
    rows += measure_state_file(size, state, args)
    state.unlink(missing_ok=True)
    rows += measure_data_file(size, jsonl, args)
    rows += measure_duckdb(size, jsonl, fresh, args)
    jsonl.unlink(missing_ok=True)
    return rows


def print_table(size: int, rows: list[Row]) -> None:
    print(f"\n{label(size)} records ({size:,}) in one namespace\n")
    header = Row("figure", "measured", "target", "verdict")
    widths = [max(len(getattr(r, name)) for r in [header, *rows]) for name in ("figure", "measured", "target")]
    print(f"| {header.figure:{widths[0]}} | {header.measured:>{widths[1]}} | {header.target:>{widths[2]}} | verdict |")
    print(f"| {'-' * widths[0]} | {'-' * (widths[1] - 1)}: | {'-' * (widths[2] - 1)}: | ------- |")
    for row in rows:
        print(
            f"| {row.figure:{widths[0]}} | {row.measured:>{widths[1]}} | {row.target:>{widths[2]}} | {row.verdict:7} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="records in the namespace")
    parser.add_argument("--quick", action="store_true", help="one small size (20000)")
    parser.add_argument("--stretch", action="store_true", help="add 10M records (start-up, memory, fresh p50)")
    parser.add_argument("--query-timeout", type=float, default=60, help="seconds any one request may take")
    parser.add_argument("--startup-timeout", type=float, default=900, help="seconds a start-up (or save) may take")
    args = parser.parse_args()
    sizes = [20_000] if args.quick else args.sizes
    began = time.monotonic()
    stretch = " + 10M stretch" if args.stretch else ""
    print(f"scale bench: sizes {', '.join(map(label, sizes))}{stretch}; {os.cpu_count()} cores", flush=True)
    tables: list[tuple[int, list[Row]]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as folder:
            # With a state file too, as the measured runs have: what it loads (pyarrow, 24 MiB) is no record's.
            state = ["--state-file", str(Path(folder) / "baseline.arrow"), "--save-interval", "86400"]
            server, _, _ = start_up(server_args(TINY, *state), args.startup_timeout)
            baseline_rss = server.rss_bytes()
            server.kill()
            print(f"  baseline: {baseline_rss / KB / KB:.1f} MiB resident with a {TINY}-record namespace", flush=True)
            for size in sizes:
                tables.append((size, measure_size(size, baseline_rss, Path(folder), args)))
            if args.stretch:
                tables.append((STRETCH, measure_generating(STRETCH, baseline_rss, None, args)[0]))
    finally:
        for server in list(LIVE):
            server.kill()
    for size, rows in tables:
        print_table(size, rows)
    print(f"\nwhole run: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
