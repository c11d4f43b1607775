"""``contract-tests``: the contract suites, run from the installed package against any implementation.

    contract-tests --base-url URL [--api-key KEY] [--namespace NS] [--junitxml FILE] [pytest args]

It is ``pytest --pyargs contract_tests`` with the suites' options, isolated from the pytest
configuration of the current directory (its ``addopts``, say ``-n auto`` or ``--cov``, and its
``conftest.py`` would change or break the run): pytest reads a configuration written for the
run (``-c``), takes the current directory as rootdir (so pytest's cache, where Schemathesis
keeps failures to replay first, is ``./.pytest_cache``, never inside the installed package)
and loads no ``conftest.py``. Any argument it does not know goes to pytest
(``-x``, ``-q``, ``-k EXPR``, ``--hypothesis-seed=N``...). ``python -m contract_tests`` is the
same command.

With ``--base-url``, one list request (``limit=1``, with the key and namespace) is sent before
anything else: a target that cannot be reached or refuses the key is one line on stderr.

Exit codes: 0 every check passed, 1 the implementation broke the contract, 2 usage error
(a bad option, nothing selected, or a target that cannot be reached or refuses the key).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from contract_tests import plugin
from contract_tests.options import OPTIONS, ContractOptions, add_argument, resolve
from contract_tests.plugin import PRESET
from contract_tests.probe import probe

PROG = "contract-tests"
PACKAGE = "contract_tests"
# pytest's usage error (4) and empty selection (5) are this command's 2; 0, 1, 2 (interrupted)
# and 3 (internal error) are the same in both.
EXIT_CODES = {pytest.ExitCode.USAGE_ERROR: 2, pytest.ExitCode.NO_TESTS_COLLECTED: 2}
CONFIG = """\
# Written by contract-tests for one run: the current directory's pytest configuration is not read.
[pytest]
addopts = -ra
# pytest would rewrite the asserts of an installed plugin's package, and this one is imported already.
filterwarnings =
    ignore:Module already imported so cannot be rewritten. contract_tests:pytest.PytestAssertRewriteWarning
"""
EPILOG = """\
Every option also reads its environment twin (CONTRACT_*); the command line wins. Any other
argument goes to pytest, e.g. -x (stop at the first failure), -q, -k EXPR (a subset).

exit codes:
  0  every check passed
  1  the implementation broke the contract (each failure names the rule, a curl and the answer)
  2  usage error: a bad option, nothing selected, or a target that cannot be reached or refuses
     the key (one line on stderr, before any test runs)
"""


class _Preset:
    """Hands the options resolved here to the suites' plugin, which then neither re-reads them nor probes."""

    def __init__(self, options: ContractOptions) -> None:
        self.options = options

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[PRESET] = self.options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run the Mixpeek interactions contract suites against an implementation "
        "(without --base-url: against the embedded mock).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    for spec in OPTIONS:
        add_argument(parser.add_argument, spec, spec.dest)
    parser.add_argument("--junitxml", metavar="FILE", help="write a JUnit XML report to FILE (pytest's option)")
    return parser


def pytest_args(junitxml: str | None, passed_on: Sequence[str], config: Path) -> list[str]:
    """What ``pytest.main`` is given: the isolation, the package, then the caller's arguments."""
    return [
        "-c",
        str(config),
        "--rootdir",
        os.getcwd(),
        # With --pyargs, pytest looks for conftest.py files in the current directory (its test*
        # folders too); the suites need none.
        "--noconftest",
        *(["--junitxml", junitxml] if junitxml else []),
        "--pyargs",
        PACKAGE,
        *passed_on,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments, passed_on = parser.parse_known_args(argv)
    try:
        options = resolve({spec.flag: getattr(arguments, spec.dest) for spec in OPTIONS}, os.environ)
    except ValueError as exc:
        parser.error(str(exc))
    if options.base_url is not None:
        problem = probe(options.base_url, options.api_key, options.namespace, options.timeout)
        if problem is not None:
            print(f"{PROG}: {problem}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="contract-tests-") as scratch:
        config = Path(scratch) / "pytest.ini"
        config.write_text(CONFIG, encoding="utf-8")
        # The plugin module itself, registered under its name (the entry point's): the suites run
        # even where plugin autoloading is off, and the entry point then adds no second copy.
        plugins: list[object] = [plugin, _Preset(options)]
        code = pytest.main(pytest_args(arguments.junitxml, passed_on, config), plugins=plugins)
    return EXIT_CODES.get(code, int(code)) if isinstance(code, pytest.ExitCode) else int(code)
