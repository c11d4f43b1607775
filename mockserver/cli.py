"""``mockserver``: start the mock on an embedded, seeded data set.

Every option has an environment twin (``MOCKSERVER_<OPTION>``); the command line wins.
Exit codes: 0 stopped cleanly, 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from aiohttp import web

from mockserver.app import create_app
from mockserver.config import DEFAULT_COUNT, DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, DEFAULT_SEED, Settings

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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
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
    return parser


def settings_from_args(argv: Sequence[str] | None = None) -> Settings:
    args = build_parser().parse_args(argv)
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
    )


def describe(settings: Settings, port: int) -> str:
    """The start-up banner: where it listens, what it accepts, how to stop it."""
    auth = (
        f"{len(settings.api_keys)} configured API key(s)"
        if settings.api_keys
        else "any non-empty Bearer token (no --api-key given)"
    )
    namespaces = ", ".join(sorted(settings.namespaces)) if settings.namespaces else "any (created on first use)"
    return (
        f"mockserver listening on http://{settings.host}:{port}\n"
        f"  auth: {auth}\n"
        f"  namespaces: {namespaces}; {settings.count} seeded records each (seed {settings.seed})\n"
        f"  press Ctrl+C to stop"
    )


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down cleanly."""
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        port = runner.addresses[0][1]
        print(describe(settings, port), file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_from_args(argv)
    try:
        asyncio.run(serve(settings))
    except OSError as exc:
        print(f"mockserver: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print("mockserver stopped", file=sys.stderr)
    return 0
