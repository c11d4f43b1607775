"""The 2026-11 word operators: ``words`` (every word, compared on its English stem) and ``phrase``.

A word is a maximal run of Unicode letters, digits and underscores (``\\w+``). Unless the condition
is case-sensitive, words are case-folded first. ``words`` holds when every word of the operand
has the stem of some word of the value (Snowball's English stemmer, Porter2: drinking, drinks and
drink share one); ``phrase`` when the operand's words appear in the value in the same order, next
to each other, as written (no stemming). An operand without words holds for every string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import snowballstemmer

from mockserver.query.compare import fold

_WORD = re.compile(r"\w+")
_ENGLISH = snowballstemmer.stemmer("english")


def words_of(text: str, case_sensitive: bool) -> list[str]:
    return _WORD.findall(text if case_sensitive else fold(text))


# Stems of words seen before: values repeat their words across rows.
@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    stemmed: str = _ENGLISH.stemWord(word)
    return stemmed


def word_test(operator: str, operand: str, case_sensitive: bool) -> Callable[[str], bool]:
    """Whether a string value holds the operand's words (``words``) or its phrase (``phrase``)."""
    wanted = words_of(operand, case_sensitive)
    if operator == "words":
        stems = {stem(word) for word in wanted}
        return lambda text: stems <= {stem(word) for word in words_of(text, case_sensitive)}
    size = len(wanted)

    def phrase(text: str) -> bool:
        found = words_of(text, case_sensitive)
        return any(found[start : start + size] == wanted for start in range(len(found) - size + 1))

    return phrase
