"""In-memory interactions, one independent store per namespace.

A namespace is created (and seeded) the first time it is used, unless the server was
started with a fixed list of namespaces (CONTRACT.md, Auth and namespaces).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mockserver.errors import NotFound

Record = dict[str, Any]
Seeder = Callable[[str], Iterable[Record]]


class NamespaceStore:
    """The interactions of one namespace, by id, in insertion order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._by_id: dict[str, Record] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._by_id.values())

    def add(self, record: Record) -> None:
        self._by_id[record["interaction_id"]] = record

    def get(self, interaction_id: str) -> Record:
        try:
            return self._by_id[interaction_id]
        except KeyError:
            raise _missing(interaction_id) from None

    def delete(self, interaction_id: str) -> Record:
        try:
            return self._by_id.pop(interaction_id)
        except KeyError:
            raise _missing(interaction_id) from None


def _missing(interaction_id: str) -> NotFound:
    return NotFound(
        f"Interaction {interaction_id!r} not found in this namespace",
        {"id": interaction_id, "resource": "interaction"},
    )


class Store:
    """Every namespace the server knows, created on first use and seeded by ``seeder``."""

    def __init__(self, seeder: Seeder, allowed: frozenset[str] | None = None) -> None:
        self._seeder = seeder
        self._allowed = allowed
        self._namespaces: dict[str, NamespaceStore] = {}

    def namespace(self, name: str) -> NamespaceStore:
        existing = self._namespaces.get(name)
        if existing is not None:
            return existing
        return self.reset(name)

    def _check_allowed(self, name: str) -> None:
        if self._allowed is not None and name not in self._allowed:
            raise NotFound("Namespace not found", {"id": name, "resource": "namespace"})

    def _seeded(self, name: str) -> NamespaceStore:
        created = NamespaceStore(name)
        for record in self._seeder(name):
            created.add(record)
        return created

    def names(self) -> list[str]:
        return sorted(self._namespaces)

    def reset(self, name: str) -> NamespaceStore:
        """Put one namespace back to its seeded state (creating it if it is new)."""
        self._check_allowed(name)
        seeded = self._namespaces[name] = self._seeded(name)
        return seeded

    def reset_all(self) -> None:
        """Forget every namespace; each is seeded afresh on its next use."""
        self._namespaces.clear()

    def replace(self, name: str, records: Iterable[Record]) -> NamespaceStore:
        """Make ``records`` the whole content of a namespace (state files)."""
        self._check_allowed(name)
        replaced = NamespaceStore(name)
        for record in records:
            replaced.add(record)
        self._namespaces[name] = replaced
        return replaced
