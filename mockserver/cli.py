"""``mockserver``: start the mock on an embedded, seeded data set.

Every option has an environment twin (``MOCKSERVER_<OPTION>``); the command line wins.
Exit codes: 0 stopped cleanly, 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from mockserver.app import create_app
from mockserver.config import (
    DEFAULT_COUNT,
    DEFAULT_DEDUP_WINDOW_S,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_RECORDS,
    DEFAULT_PORT,
    DEFAULT_SAVE_INTERVAL_S,
    DEFAULT_SEED,
    DEFAULT_SLOW_MS,
    Faults,
    Settings,
)
from mockserver.errors import StartupError
from mockserver.faults import MAX_FORCED_LATENCY_MS
from mockserver.serving import make_runner
from mockserver.state import SEEDED_WITH, SETTINGS, STORE
from specs import API_VERSIONS, SEED_VERSION, V2026_11

_ENV_PREFIX = "MOCKSERVER_"


def _env(name: str, default: str) -> str:
    return os.environ.get(_ENV_PREFIX + name.upper().replace("-", "_"), default)


def _env_list(name: str) -> list[str]:
    raw = _env(name, "")
    return [item.strip() for item in raw.split(",") if item.strip()]


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _latency(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MS or MIN-MAX in milliseconds, got {text!r}") from None
    if not 0 <= bounds[0] <= bounds[1] <= MAX_FORCED_LATENCY_MS:
        raise argparse.ArgumentTypeError(f"need 0 <= MIN <= MAX <= {MAX_FORCED_LATENCY_MS}, got {text!r}")
    return bounds


def _number_within(text: str, high: int, expected: str, unit: str = "") -> float:
    """A number 0..``high``; ``expected`` and ``unit`` word the refusals."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not 0 <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between 0 and {high}{unit}, got {text!r}")
    return value


def _milliseconds(text: str) -> float:
    return _number_within(text, 3_600_000, "milliseconds", " ms")


def _share(text: str) -> float:
    return _number_within(text, 1, "a number between 0 and 1")


def _rate(text: str) -> float:
    number = text.removesuffix("/s")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N/s (requests per second), got {text!r}") from None
    if not 0.01 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be between 0.01/s and 1000000/s, got {text!r}")
    return value


_TRUE, _FALSE = frozenset({"1", "true", "yes"}), frozenset({"0", "false", "no", ""})


def _flag(name: str) -> bool:
    """A boolean environment twin: true/false, 1/0 or yes/no (any case); unset is false."""
    raw = _env(name, "")
    if raw.lower() not in _TRUE | _FALSE:
        raise _EnvironmentError(_env_name(name), raw, "expected true/false, 1/0 or yes/no")
    return raw.lower() in _TRUE


def _env_name(option: str) -> str:
    return _ENV_PREFIX + option.lstrip("-").upper().replace("-", "_")


class _EnvironmentError(Exception):
    """A MOCKSERVER_* value that is no value of its option."""

    def __init__(self, variable: str, raw: str, why: str) -> None:
        super().__init__(f"{variable}={raw}: {why}")


def _check_environment(parser: argparse.ArgumentParser) -> None:
    """Read each option's environment twin as its option would read it, naming the variable when it cannot:
    argparse would name the option, which the user never typed."""
    for action in parser._actions:
        option = next((flag for flag in action.option_strings if flag.startswith("--")), None)
        raw = os.environ.get(_env_name(option)) if option is not None and callable(action.type) else None
        if not raw or not callable(action.type):
            continue
        try:
            action.type(raw)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(_EnvironmentError(_env_name(option or ""), raw, str(exc))))
        except ValueError:
            kind = {"int": "a whole number", "float": "a number"}.get(getattr(action.type, "__name__", ""), "a value")
            parser.error(str(_EnvironmentError(_env_name(option or ""), raw, f"expected {kind}")))


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults in --help, each once: none where the help says it already or there is none to say."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default" in text or action.default in (None, False) or action.default is argparse.SUPPRESS:
            return text
        return super()._get_help_string(action)


def _version() -> str:
    try:
        return importlib.metadata.version("mixpeek-interactions-mock")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _optional_path(name: str) -> Path | None:
    value = _env(name, "")
    return Path(value) if value else None


def _api_version(text: str) -> str:
    if text not in API_VERSIONS:
        raise argparse.ArgumentTypeError(f"the API versions are {', '.join(API_VERSIONS)}, got {text!r}")
    return text


def _seconds(text: str) -> float:
    return _number_within(text, 86_400, "a number of seconds", " s")


def _target_url(text: str) -> str:
    """--proxy: an http(s) URL with a host; the API's paths are added to it."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"expected the target's base URL, http(s)://host[:port][/prefix] (e.g. https://api.mixpeek.com), "
            f"got {text!r}"
        )
    return text.rstrip("/")


def _port(text: str) -> int:
    value = _non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="In-memory mock of the Mixpeek retriever interactions API. "
        "Each option can also be set with MOCKSERVER_<OPTION> (e.g. MOCKSERVER_PORT=9000); "
        "list options take a comma-separated value there.",
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"mockserver {_version()}")
    parser.add_argument("--host", default=_env("host", DEFAULT_HOST), help="address to bind")
    parser.add_argument(
        "--port", type=_port, default=_env("port", str(DEFAULT_PORT)), help="port to bind (0: any free port)"
    )
    parser.add_argument("--seed", type=int, default=_env("seed", str(DEFAULT_SEED)), help="seed of the generated data")
    parser.add_argument(
        "--count", type=_non_negative, default=_env("count", str(DEFAULT_COUNT)), help="records generated per namespace"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        default=None,
        help="accepted API key, repeatable (default: any non-empty Bearer token)",
    )
    parser.add_argument(
        "--namespace",
        action="append",
        dest="namespaces",
        default=None,
        help="the only namespaces served, repeatable (default: any, created on first use)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_non_negative,
        default=_env("max-body-bytes", str(DEFAULT_MAX_BODY_BYTES)),
        help="largest request body accepted (413 beyond)",
    )
    parser.add_argument(
        "--max-records",
        type=_non_negative,
        default=_env("max-records", str(DEFAULT_MAX_RECORDS)),
        help="records one namespace may hold (507 beyond)",
    )
    parser.add_argument(
        "--data", type=Path, default=_optional_path("data"), help="JSON or JSONL file of records to serve"
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=_optional_path("state-file"),
        help="load state from this file at start, save it there on shutdown and periodically",
    )
    parser.add_argument(
        "--save-interval",
        type=float,
        default=_env("save-interval", str(DEFAULT_SAVE_INTERVAL_S)),
        help="seconds between periodic saves of --state-file",
    )
    parser.add_argument(
        "--admin-token", default=_env("admin-token", "") or None, help="token the /_mock/ admin API requires"
    )
    parser.add_argument(
        "--journal-size",
        type=_non_negative,
        default=_env("journal-size", str(DEFAULT_JOURNAL_SIZE)),
        help="requests kept in the journal (a ring buffer)",
    )
    parser.add_argument(
        "--slow-ms",
        type=_milliseconds,
        default=_env("slow-ms", f"{DEFAULT_SLOW_MS:g}"),
        help="report a request that holds the event loop this long: once on stderr, and in the journal "
        "(?slow=true); 0: never",
    )
    parser.add_argument(
        "--cors-origin",
        default=_env("cors-origin", "*"),
        help="the origin whose pages may call the mock from a browser (e.g. http://localhost:3000); *: any",
    )
    faults = parser.add_argument_group("faults (off by default)")
    faults.add_argument(
        "--latency", type=_latency, default=_env("latency", "") or None, help="added latency: MS or MIN-MAX"
    )
    faults.add_argument(
        "--error-rate", type=_share, default=_env("error-rate", "0"), help="share of requests answered 500/503"
    )
    faults.add_argument(
        "--rate-limit", type=_rate, default=_env("rate-limit", "") or None, help="N/s per API key, then 429"
    )
    contract = parser.add_argument_group("contract")
    contract.add_argument(
        "--api-version",
        type=_api_version,
        default=_env("api-version", SEED_VERSION),
        help=f"the API as it was at this version: {', '.join(API_VERSIONS)} (docs/api-versions.md)",
    )
    contract.add_argument(
        "--dedup-window",
        type=_seconds,
        default=_env("dedup-window", f"{DEFAULT_DEDUP_WINDOW_S:g}"),
        help=f"from {V2026_11}: seconds in which a create repeating (execution_id, feature_id, "
        "interaction_type) is dropped; 0: never",
    )
    contract.add_argument(
        "--strict",
        action="store_true",
        default=_flag("strict"),
        help=f"refuse unknown body keys (422), as --api-version {V2026_11} always does",
    )
    contract.add_argument(
        "--upstream-enums",
        action="store_true",
        default=_flag("upstream-enums"),
        help=f"accept the interaction types {V2026_11} added, under an older --api-version",
    )
    proxy = parser.add_argument_group("proxy (verify a real implementation; README: Verifying proxy)")
    proxy.add_argument(
        "--proxy",
        type=_target_url,
        default=_env("proxy", "") or None,
        metavar="URL",
        help="forward every API request to this implementation and check each answer against the contract",
    )
    proxy.add_argument(
        "--proxy-strict",
        action="store_true",
        default=_flag("proxy-strict"),
        help="with --proxy: answer 502, naming the rule, instead of an answer that breaks the contract",
    )
    proxy.add_argument(
        "--record",
        action="store_true",
        default=_flag("record"),
        help="with --proxy: keep the records the answers carry in the local namespace of the same name",
    )
    parser.add_argument("--quiet", action="store_true", default=_flag("quiet"), help="no access log")
    return parser


def settings_from_args(argv: Sequence[str] | None = None) -> Settings:
    try:
        parser = build_parser()
    except _EnvironmentError as exc:
        argparse.ArgumentParser(prog="mockserver").error(str(exc))
    _check_environment(parser)
    args = parser.parse_args(argv)
    if args.proxy is None and (args.proxy_strict or args.record):
        parser.error("--proxy-strict and --record work on proxied traffic: give --proxy URL too")
    api_keys = args.api_keys if args.api_keys is not None else _env_list("api-key")
    namespaces = args.namespaces if args.namespaces is not None else _env_list("namespace")
    return Settings(
        host=args.host,
        port=args.port,
        seed=args.seed,
        count=args.count,
        api_keys=frozenset(api_keys),
        namespaces=frozenset(namespaces) if namespaces else None,
        max_body_bytes=args.max_body_bytes,
        max_records=args.max_records,
        admin_token=args.admin_token,
        journal_size=args.journal_size,
        slow_ms=args.slow_ms,
        cors_origin=args.cors_origin,
        faults=Faults(latency_ms=args.latency, error_rate=args.error_rate, rate_limit_per_s=args.rate_limit),
        api_version=args.api_version,
        strict=args.strict,
        upstream_enums=args.upstream_enums,
        dedup_window_s=args.dedup_window,
        data_file=args.data,
        state_file=args.state_file,
        save_interval_s=args.save_interval,
        quiet=args.quiet,
        proxy=args.proxy,
        proxy_strict=args.proxy_strict,
        record=args.record,
    )


def describe(app: web.Application, port: int) -> str:
    """The start-up banner: where it listens, what it serves and accepts, how to stop it."""
    settings = app[SETTINGS]
    auth = (
        f"{len(settings.api_keys)} configured API key(s)"
        if settings.api_keys
        else "any non-empty Bearer token (no --api-key given)"
    )
    namespaces = ", ".join(sorted(settings.namespaces)) if settings.namespaces else "any (created on first use)"
    lines = [
        f"mockserver listening on http://{settings.host}:{port}",
        f"  auth: {auth}",
        f"  namespaces: {namespaces}; a new one starts with {app[SEEDED_WITH]}",
        f"  contract: http://{settings.host}:{port}/openapi.json; admin API: http://{settings.host}:{port}/_mock/"
        + (" (admin token required)" if settings.admin_token else ""),
    ]
    store = app[STORE]
    restored = store.names()
    if restored:
        records = sum(len(store.namespace(name)) for name in restored)
        lines.append(f"  restored from {settings.state_file}: {len(restored)} namespace(s), {records} records")
    faults = settings.faults
    if faults != Faults():
        low, high = faults.latency_ms or (0, 0)
        latency = "none" if faults.latency_ms is None else f"{low} ms" if low == high else f"{low}-{high} ms"
        lines.append(
            f"  faults: latency {latency}, error rate {faults.error_rate:g}, "
            f"rate limit {f'{faults.rate_limit_per_s:g}/s' if faults.rate_limit_per_s else 'none'}"
        )
    modes = [
        name
        for name, on in (("strict", settings.strict), ("upstream enums", settings.edition.upstream_enums))
        if on and not settings.speaks(V2026_11)
    ]
    lines.append(
        f"  API version: {settings.api_version}"
        + (f" (+ {', '.join(modes)})" if modes else "")
        + (
            f"; duplicates dropped for {settings.dedup_window_s:g} s"
            if settings.speaks(V2026_11) and settings.dedup_window_s
            else ""
        )
    )
    if settings.proxy:
        checked = "a contract violation answered 502" if settings.proxy_strict else "violations logged and journalled"
        recorded = "; records kept locally (--record)" if settings.record else ""
        lines.append(f"  proxy to {settings.proxy}: every API answer checked, {checked}{recorded}")
        lines.append(f"  violations: http://{settings.host}:{port}/_mock/violations")
    if settings.state_file:
        lines.append(f"  state file: {settings.state_file} (saved every {settings.save_interval_s:g} s and on exit)")
    if settings.host not in {"127.0.0.1", "localhost", "::1"} and not settings.api_keys:
        lines.append(f"  WARNING: bound to {settings.host} with no --api-key: anyone who can reach it can use it")
    lines.append("  press Ctrl+C to stop")
    return "\n".join(lines)


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    access_log = None if settings.quiet else logging.getLogger("mockserver.access")
    app = create_app(settings)
    runner = make_runner(app, access_log)
    await runner.setup()
    # What start-up made (modules, schemas, validators) lives as long as the process: out of the cyclic
    # collector's sight, a full collection (which a burst of large bodies sets off) walks a fraction of it.
    gc.freeze()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        port = runner.addresses[0][1]
        print(describe(app, port), file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        asyncio.run(serve(settings))
    except StartupError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"mockserver: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print("mockserver stopped", file=sys.stderr)
    return 0
