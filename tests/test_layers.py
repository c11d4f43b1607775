"""The packages' arrows point one way: the oracle (specs/oracle) imports neither the mock nor the suites, the mock
never imports the suites, and the suites import the mock only to start the embedded one (contract_tests/embedded.py).
So the verifying proxy and the contract suites judge with the same oracle, and the oracle never reads the engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden", "allowed_in"),
    [
        ("specs", {"mockserver", "contract_tests", "fixtures"}, set()),
        ("mockserver", {"contract_tests"}, set()),
        ("fixtures", {"contract_tests"}, set()),
        ("contract_tests", {"mockserver"}, {"embedded.py"}),
    ],
)
def test_imports_point_one_way(package: str, forbidden: set[str], allowed_in: set[str]) -> None:
    crossing = {
        str(path.relative_to(ROOT)): sorted(imported(path) & forbidden)
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name not in allowed_in and imported(path) & forbidden
    }
    assert crossing == {}
