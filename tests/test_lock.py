"""test.lock pins the whole test toolchain, and it still matches pyproject.toml.

The lock is made by a tool (its first lines name the command, which the README repeats),
never by hand; these tests fail as soon as pyproject.toml asks for something the lock does
not pin, pins outside the asked range, or no longer asks for something the lock pins for it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "test.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
NAME = canonicalize_name(PROJECT["name"])
COMMAND = "uv pip compile pyproject.toml --extra test --universal --python-version 3.11 -o test.lock"
# A pin, its environment marker if any; then "# via" lines naming who asked for it.
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)(?:\s*;\s*(.+))?$")


def _locked() -> dict[str, tuple[str, set[str]]]:
    """Each pinned package: its version and the names of the packages that asked for it."""
    pins: dict[str, tuple[str, set[str]]] = {}
    askers: set[str] | None = None
    for line in LOCK.read_text().splitlines():
        pin = _PIN.match(line)
        if pin:
            askers = set()
            pins[canonicalize_name(pin.group(1))] = (pin.group(2), askers)
        elif askers is not None and line.lstrip().startswith("#"):
            # "    # via aiohttp", or "    # via" and then one "    #   name (pyproject.toml)" per asker.
            words = line.lstrip().lstrip("#").removeprefix(" via").split()
            if words:
                askers.add(canonicalize_name(words[0]))
    return pins


def _asked(extra: str) -> list[Requirement]:
    """What installing ``.[extra]`` asks for directly, self-references to other extras followed."""
    asked = [Requirement(text) for text in PROJECT["dependencies"]]
    pending, seen = [extra], set()
    while pending:
        name = pending.pop()
        seen.add(name)
        for text in PROJECT["optional-dependencies"][name]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == NAME:
                pending += [e for e in requirement.extras if e not in seen]
            else:
                asked.append(requirement)
    return asked


def test_the_lock_says_which_command_made_it() -> None:
    assert COMMAND in LOCK.read_text().split("\n", 3)[1], f"test.lock must be made by: {COMMAND}"
    assert COMMAND in (ROOT / "README.md").read_text(), "the README must say how test.lock is made"


@pytest.mark.parametrize("requirement", _asked("test"), ids=str)
def test_everything_pyproject_asks_for_is_pinned_in_its_range(requirement: Requirement) -> None:
    pins = _locked()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement} is in pyproject.toml but not in test.lock: run `{COMMAND}`"
    version, _ = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"test.lock pins {name}=={version}, outside pyproject.toml's {requirement}: run `{COMMAND}`"
    )


def test_the_lock_pins_nothing_for_the_project_that_it_no_longer_asks_for() -> None:
    asked = {canonicalize_name(r.name) for r in _asked("test")}
    stale = sorted(name for name, (_, askers) in _locked().items() if NAME in askers and name not in asked)
    assert not stale, f"test.lock pins {stale} for the project, which pyproject.toml no longer asks for: `{COMMAND}`"
