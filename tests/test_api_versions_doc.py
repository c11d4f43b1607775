"""docs/api-versions.md is generated from specs/ and kept current; the differ it is made with says every change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from specs.changelog import differences, page

DOC = Path(__file__).resolve().parents[1] / "docs" / "api-versions.md"


def test_the_page_is_what_the_specs_say() -> None:
    assert DOC.read_text(encoding="utf-8") == page(), "run: python -m specs.changelog > docs/api-versions.md"


def test_the_page_names_what_2026_11_changed() -> None:
    text = DOC.read_text(encoding="utf-8")
    for change in ('added `"phrase"`, `"words"`', "properties/occurred_at", "properties/after", "additionalProperties"):
        assert change in text, change


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", "c"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3),
    max_leaves=10,
)


@given(_JSON, _JSON)
def test_two_documents_differ_exactly_where_a_difference_is_said(old: Any, new: Any) -> None:
    assert (not list(differences(old, new))) == (old == new or _same_values(old, new))


def _same_values(old: Any, new: Any) -> bool:
    """Lists of plain values compare as sets of values: reordered or repeated, they are the same."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same_values(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        plain = (str, int, float, bool, type(None))
        if all(isinstance(v, plain) for v in old + new):
            return all(v in new for v in old) and all(v in old for v in new)
        return len(old) == len(new) and all(_same_values(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new) and type(old) is type(new)
