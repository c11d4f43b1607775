"""The suites' options, as both the pytest plugin and ``contract-tests`` offer them: names, help,
environment twins (``CONTRACT_*``), defaults, and their values resolved and checked.

Standard library only: the plugin imports this in every pytest session of an installed package.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

DEFAULT_API_KEY = "contract-tests-key"
DEFAULT_NAMESPACE = "contract-tests"
DEFAULT_EXAMPLES = 40
DEFAULT_TIMEOUT = 30.0
ENV_PREFIX = "CONTRACT_"
# The contracts ``specs`` holds (``specs.API_VERSIONS``, which a test keeps this equal to): named here,
# not imported, because this module may import nothing but the standard library.
API_VERSIONS = ("2025-12", "2026-11")
DEFAULT_API_VERSION = API_VERSIONS[0]


@dataclass(frozen=True)
class OptionSpec:
    """One option of the suites, as both pytest and ``contract-tests`` offer it."""

    flag: str
    kind: Literal["text", "int", "float", "flag", "version"]
    help: str
    default_help: str
    # A common name other plugins may define too: then theirs is read, not a second one added.
    shared: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.flag.removeprefix("--").removeprefix("contract-").replace("-", "_").upper()

    @property
    def dest(self) -> str:
        """Where pytest keeps the value of the option this plugin adds (prefixed: no other option writes there)."""
        name = self.flag.removeprefix("--").replace("-", "_")
        return name if name.startswith("contract_") else f"contract_{name}"

    @property
    def full_help(self) -> str:
        return f"{self.help} (env {self.env}; default: {self.default_help})"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _api_version(text: str) -> str:
    if text not in API_VERSIONS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(API_VERSIONS)}, got {text!r}")
    return text


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "--base-url",
        "text",
        "root URL of the implementation under test, e.g. https://api.example.com",
        "start the embedded mock in-process",
        shared=True,
    ),
    OptionSpec(
        "--api-key",
        "text",
        "API key sent as 'Authorization: Bearer <key>'",
        f"{DEFAULT_API_KEY!r}, which the embedded mock is started with",
        shared=True,
    ),
    OptionSpec(
        "--namespace",
        "text",
        "X-Namespace every request uses; the suites add and remove their own records there",
        repr(DEFAULT_NAMESPACE),
        shared=True,
    ),
    OptionSpec(
        "--other-namespace",
        "text",
        "a second namespace, to check that data never crosses namespaces",
        "'<namespace>-isolation'",
        shared=True,
    ),
    OptionSpec(
        "--contract-examples",
        "int",
        "generated examples per property and per operation; raise it for deeper runs",
        str(DEFAULT_EXAMPLES),
    ),
    OptionSpec(
        "--contract-no-shrink",
        "flag",
        "report the first failing example as found instead of shrinking it to a minimal one: "
        "much faster when many checks fail, at the price of larger examples (env value 1 to set it)",
        "off",
    ),
    OptionSpec("--contract-timeout", "float", "seconds to wait for any one answer", f"{DEFAULT_TIMEOUT:g}"),
    OptionSpec(
        "--api-version",
        "version",
        f"the API version whose contract the target is held to ({' or '.join(API_VERSIONS)}); "
        "the embedded mock is started with it",
        DEFAULT_API_VERSION,
    ),
)
CONVERTERS = {"int": _positive_int, "float": _positive_float, "version": _api_version}
METAVARS = {"int": "N", "float": "SECONDS", "version": "VERSION"}


def add_argument(add: Any, spec: OptionSpec, dest: str) -> None:
    """Declare ``spec`` through an ``add_argument``/``addoption``; not given means None (then env, then default)."""
    if spec.kind == "flag":
        add(spec.flag, dest=dest, action="store_true", default=None, help=spec.full_help)
    elif spec.kind == "text":
        add(spec.flag, dest=dest, metavar=spec.dest.removeprefix("contract_").upper(), help=spec.full_help)
    else:
        add(spec.flag, dest=dest, type=CONVERTERS[spec.kind], metavar=METAVARS[spec.kind], help=spec.full_help)


@dataclass(frozen=True)
class ContractOptions:
    """The suites' settings, resolved: command line, else environment, else default."""

    base_url: str | None
    api_key: str
    namespace: str
    other_namespace: str
    examples: int
    no_shrink: bool
    timeout: float
    api_version: str


def resolve(given: Mapping[str, Any], environ: Mapping[str, str]) -> ContractOptions:
    """``given``: each option's flag to what the command line said (None: not given).

    Raises ValueError, worded for the user, for a malformed value.
    """
    values: dict[str, Any] = {}
    for spec in OPTIONS:
        value = given.get(spec.flag)
        if spec.kind == "text" and not (isinstance(value, str) and value):
            value = None  # another plugin's option of that name may hold anything; an empty value is none
        if value is None or value is False:
            raw = environ.get(spec.env, "")
            if spec.kind == "flag":
                value = raw not in ("", "0")
            elif raw == "":
                value = None
            elif spec.kind == "text":
                value = raw
            else:
                try:
                    value = CONVERTERS[spec.kind](raw)
                except argparse.ArgumentTypeError as exc:
                    raise ValueError(f"{spec.env}: {exc}") from None
        values[spec.flag] = value
    base_url = values["--base-url"]
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--base-url must be an http:// or https:// URL, got {base_url!r}")
    namespace = values["--namespace"] or DEFAULT_NAMESPACE
    return ContractOptions(
        base_url=base_url,
        api_key=values["--api-key"] or DEFAULT_API_KEY,
        namespace=namespace,
        other_namespace=values["--other-namespace"] or f"{namespace}-isolation",
        examples=values["--contract-examples"] or DEFAULT_EXAMPLES,
        no_shrink=bool(values["--contract-no-shrink"]),
        timeout=values["--contract-timeout"] or DEFAULT_TIMEOUT,
        api_version=values["--api-version"] or DEFAULT_API_VERSION,
    )
