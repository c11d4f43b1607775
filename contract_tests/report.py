"""How a semantic failure reads: the broken rule, the operation, what differed, a curl, the answer.

Raised as an AssertionError so pytest, ``--junitxml`` and Hypothesis's shrinking treat it
like any failed assertion; the message is the whole report.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument
from jsonschema.exceptions import best_match

import specs
from contract_tests.target import Exchange
from specs.oracle.rules import ERROR_BODY, Rule


class ContractViolation(AssertionError):
    """The implementation under test broke a documented rule."""


def violation(rule: Rule, exchange: Exchange | None, *details: str) -> ContractViolation:
    lines = [f"Broken rule {rule}"]
    if exchange is not None:
        lines.append(f"Operation: {exchange.operation}")
    if details:
        lines.append("What went wrong:")
        lines += [textwrap.indent(detail, "  ") for detail in details]
    if exchange is not None:
        lines += ["Reproduce:", textwrap.indent(exchange.curl(), "  ")]
        lines += ["Response:", textwrap.indent(exchange.response_preview(), "  ")]
    return ContractViolation("\n".join(lines))


def reporting() -> bool:
    """Whether a failure now is the one a person will read: outside Hypothesis, or its final replay.

    While Hypothesis searches and shrinks it only needs to know *that* a check fails, so costly
    explanations (extra requests) are saved for the example it reports.
    """
    try:
        return current_build_context().is_final
    except InvalidArgument:
        return True


def require(condition: bool, rule: Rule, exchange: Exchange | None, *details: str) -> None:
    """Raise the report for ``rule`` unless ``condition`` holds."""
    __tracebackhide__ = True
    if not condition:
        raise violation(rule, exchange, *details)


def require_status(exchange: Exchange, expected: int, rule: Rule) -> Any:
    """The decoded JSON body of an answer that must have status ``expected`` and a JSON body."""
    __tracebackhide__ = True
    require(exchange.status == expected, rule, exchange, f"expected HTTP {expected}, got HTTP {exchange.status}")
    body = exchange.json()
    require(body is not None, rule, exchange, "expected a JSON body")
    return body


def require_batch_results(exchange: Exchange, sent: int, rule: Rule) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A batch answer (200) and its results: an object for each of the ``sent`` items."""
    __tracebackhide__ = True
    answer = require_status(exchange, 200, rule)
    results = answer.get("results") if isinstance(answer, dict) else None
    count = len(results) if isinstance(results, list) else results
    require(isinstance(results, list) and len(results) == sent, rule, exchange, f"expected {sent} results, got {count}")
    assert isinstance(results, list)
    require(all(isinstance(r, dict) for r in results), rule, exchange, "expected each result an object")
    return answer, results


def require_error(exchange: Exchange, expected: int, rule: Rule) -> None:
    """An answer that must have status ``expected`` and, like every non-2xx answer, an ErrorResponse body."""
    __tracebackhide__ = True
    require(exchange.status == expected, rule, exchange, f"expected HTTP {expected}, got HTTP {exchange.status}")
    body = exchange.json()
    # The documented rules only: the mock's own bounds (x-mock in specs/) bind no other server.
    validator = specs.documented_validator("ErrorResponse", specs.edition(exchange.api_version))
    problem = best_match(validator.iter_errors(body))
    require(problem is None, ERROR_BODY, exchange, f"not an ErrorResponse: {problem.message if problem else ''}")
    require(
        body.get("status") == expected and body.get("success", False) is False,
        ERROR_BODY,
        exchange,
        f'expected "status": {expected} and "success": false in the body',
    )


def show(value: Any, limit: int = 300) -> str:
    """A JSON value on one line, cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"
