"""Regular expressions on RE2: matching time is linear in the text, whatever the pattern.

A backtracking engine (Python's ``re``) can spend exponential time on ``(a+)+$``; a time budget
would turn the same request into a 200 or a 422 depending on how busy the machine is. RE2 has
no such case, at the price of refusing the few constructs that need backtracking
(backreferences, lookaround), which the parser reports as a 422 saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2  # type: ignore[import-untyped]


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says what it objected to."""


@dataclass(frozen=True)
class Pattern:
    source: str
    case_sensitive: bool
    _compiled: Any = field(compare=False, repr=False)

    def search(self, text: str) -> bool:
        return self._compiled.search(text) is not None


def compile_pattern(source: str, case_sensitive: bool) -> Pattern:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    options.never_capture = True
    try:
        compiled = re2.compile(source, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(reason) from None
    return Pattern(source, case_sensitive, compiled)
