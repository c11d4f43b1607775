"""Reading a list request: what it becomes, and every way it is refused (422, where, and what is allowed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.errors import ValidationFailed, error_body
from mockserver.jsonio import decode, dumps
from mockserver.query import parse_list_request
from mockserver.query.model import (
    NEWEST_FIRST,
    AllOf,
    AnyOf,
    Condition,
    Equals,
    Instant,
    ListQuery,
    NoneOf,
    Sort,
    Window,
)


def nested(levels: int) -> dict[str, Any]:
    tree: dict[str, Any] = {"position": 1}
    for _ in range(levels - 1):
        tree = {"OR": [tree]}
    return tree


def deep_value(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def body_case(body: Any, loc: tuple[Any, ...], says: str) -> Any:
    return pytest.param(body, {}, loc, says, id="/".join(str(part) for part in loc) + ": " + says)


def query_case(params: dict[str, str], loc: tuple[Any, ...], says: str) -> Any:
    return pytest.param({}, params, loc, says, id="&".join(f"{k}={v}" for k, v in params.items())[:60])


def cond(**fields: Any) -> dict[str, Any]:
    return {"filters": {"AND": [fields]}}


REJECTED = [
    # Shapes: the schemas' rules, reported where they were broken.
    body_case([], ("body",), "must be of type object"),
    body_case({"user_id": 5}, ("body", "user_id"), "must be of type string or null"),
    body_case({"search": ["a"]}, ("body", "search"), "must be of type string or null"),
    body_case({"filters": {"AND": []}}, ("body", "filters", "AND"), "at least 1 item"),
    body_case({"filters": {"OR": [1]}}, ("body", "filters", "OR", 0), "must be of type object"),
    body_case(cond(field="x", operator="like", value=1), ("body", "filters", "AND", 0, "operator"), "use one of"),
    body_case(cond(field="x", operator="eq"), ("body", "filters", "AND", 0, "value"), "field required"),
    body_case({"filters": {"x": {"like": 1}}}, ("body", "filters", "x", "like"), "unknown key 'like'"),
    body_case({"filters": {"x": {"in": "a"}}}, ("body", "filters", "x", "in"), "must be of type array"),
    body_case(cond(field="x", operator="nin", value=1), ("body", "filters", "AND", 0, "value"), "type array"),
    body_case({"filters": {"x": {"exists": "yes"}}}, ("body", "filters", "x", "exists"), "type boolean"),
    body_case({"filters": {"x": {"starts_with": 1}}}, ("body", "filters", "x", "starts_with"), "type string"),
    body_case({"filters": {"x": {"gt": True}}}, ("body", "filters", "x", "gt"), "type number or string"),
    body_case(
        cond(field="x", value={"type": "dynamic", "field": "y"}),
        ("body", "filters", "AND", 0, "value"),
        "cannot be resolved in a list request",
    ),
    body_case({"filters": {"x": {"eq": {"field": "y", "type": 3}}}}, ("body", "filters", "x", "eq"), "DynamicValue"),
    body_case({"filters": {"x": {"in": [1, {"field": "y"}]}}}, ("body", "filters", "x", "in", 1), "DynamicValue"),
    body_case({"sort": {"field": "x", "direction": "up"}}, ("body", "sort", "direction"), "use one of: asc, desc"),
    body_case({"sort": {"direction": "asc"}}, ("body", "sort", "field"), "field required"),
    body_case({"filters": {"x": {"regex": "a" * 257}}}, ("body", "filters", "x", "regex"), "at most 256 characters"),
    # Regex operands: a JSON Schema regex (format: regex) without the constructs RE2 lacks.
    body_case({"filters": {"x": {"regex": "("}}}, ("body", "filters", "x", "regex"), '"(" is not a valid regex'),
    body_case(cond(field="x", operator="regex", value="*"), ("body", "filters", "AND", 0, "value"), "valid both as"),
    body_case({"filters": {"x": {"regex": "(?i)a"}}}, ("body", "filters", "x", "regex"), "ECMA-262"),
    body_case(cond(field="x", operator="regex", value=r"(a)\1"), ("body", "filters", "AND", 0, "value"), "RE2 has no"),
    body_case({"filters": {"x": {"regex": "(?=a)"}}}, ("body", "filters", "x", "regex"), "lookaround"),
    body_case({"filters": {"x": {"regex": r"(?<!a)b"}}}, ("body", "filters", "x", "regex"), "lookaround"),
    body_case({"filters": {"x": {"regex": r"\cA"}}}, ("body", "filters", "x", "regex"), r"\c or \u escapes"),
    body_case({"filters": {"x": {"regex": "a{2,1001}"}}}, ("body", "filters", "x", "regex"), "at most 1000 times"),
    # Range operands on timestamp / created_at: an RFC 3339 date or date-time.
    body_case({"filters": {"created_at": {"gte": "yesterday"}}}, ("body", "filters", "created_at", "gte"), "RFC 3339"),
    body_case(
        {"filters": {"timestamp": {"lt": "2025-01-01 10:30"}}},
        ("body", "filters", "timestamp", "lt"),
        "2025-01-01T10:30:00Z",
    ),
    body_case({"filters": {"timestamp": {"lt": 5}}}, ("body", "filters", "timestamp", "lt"), "must be of type string"),
    body_case(
        cond(field="created_at", operator="gt", value="2025-13-01"), ("body", "filters", "AND", 0, "value"), "RFC 3339"
    ),
    body_case(cond(field="timestamp", operator="lte", value=True), ("body", "filters", "AND", 0, "value"), "string"),
    # What a schema cannot say.
    body_case(
        {"filters": {"x": {"regex": "((a{100}){100})"}}}, ("body", "filters", "x", "regex"), "not accepted by RE2"
    ),
    body_case({"filters": {"x": {"regex": "[^]"}}}, ("body", "filters", "x", "regex"), "missing ]"),
    body_case(
        {"filters": nested(9)},
        ("body", "filters", *(["OR", 0] * 8)),
        "at most 8 levels of AND/OR/NOT; this tree is level 9",
    ),
    body_case(
        {"filters": {"AND": [{"position": {"gte": i}} for i in range(101)]}},
        ("body", "filters"),
        "at most 100 conditions, 8 of them regex; this one has 101, 0 of them regex",
    ),
    body_case(
        {"filters": {"OR": [{"field": "x", "operator": "regex", "value": "a"}] * 9}},
        ("body", "filters"),
        "this one has 9, 9 of them regex",
    ),
    body_case({"search": "a " * 501}, ("body", "search"), "at most 1000 characters"),
    body_case(
        {"filters": {"x": {"eq": deep_value(80)}}},
        ("body", "filters", "x", "eq", *([0] * 61)),
        "nested more than 64 levels deep",
    ),
    # Query parameters: bounds from openapi.json, then the ways two styles can disagree.
    query_case({"limit": "0"}, ("query", "limit"), "at least 1"),
    query_case({"limit": "1001"}, ("query", "limit"), "at most 1000"),
    query_case({"limit": "ten"}, ("query", "limit"), "type integer"),
    query_case({"offset": "10001"}, ("query", "offset"), "at most 10000"),
    query_case({"offset": "-1"}, ("query", "offset"), "at least 0"),
    query_case({"page": "0"}, ("query", "page"), "at least 1"),
    query_case({"page_size": "2000"}, ("query", "page_size"), "at most 1000"),
    query_case({"include_total": "maybe"}, ("query", "include_total"), "type boolean"),
    query_case({"limit": "10", "page_size": "20"}, ("query", "page_size"), "page_size and limit say the same thing"),
    query_case({"limit": "10", "page_size": "10"}, ("query", "page_size"), "give one of them"),
    query_case({"page": "2", "offset": "5"}, ("query", "page"), "page and offset say the same thing twice"),
    query_case({"page": "99999999999999999999"}, ("query", "page"), "at most 100000"),
    query_case({"cursor": "c20", "offset": "20"}, ("query", "cursor"), "cursor and offset say the same thing twice"),
    query_case({"cursor": "c20", "page": "3"}, ("query", "cursor"), "cursor and page say the same thing twice"),
    query_case({"cursor": "not a cursor!"}, ("query", "cursor"), "next_cursor of an earlier page, unchanged"),
    query_case({"cursor": ""}, ("query", "cursor"), "not of the expected form"),
    query_case({"cursor": "c-1"}, ("query", "cursor"), "not of the expected form"),
    query_case({"cursor": "c9999999999"}, ("query", "cursor"), "not of the expected form"),
    query_case({"cursor": "é"}, ("query", "cursor"), "not of the expected form"),
]


@pytest.mark.parametrize(("body", "params", "loc", "says"), REJECTED)
def test_rejected(body: Any, params: dict[str, str], loc: tuple[Any, ...], says: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_list_request(decode(dumps(body)), params)  # read as the server reads a body
    error = raised.value
    assert error.status == 422
    assert error.errors[0].loc == loc, error.message
    assert says in error.errors[0].msg, error.message
    detail = error_body(error)["detail"][0]
    assert detail["loc"] == list(loc)


def micros(text: str) -> int:
    return int((datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)


def test_a_full_request_reads_as_a_typed_query() -> None:
    body = {
        "user_id": "u1",
        "interaction_type": "click",
        "session_id": None,
        "filters": {
            "case_sensitive": True,
            "position": {"gte": 1, "lte": 5},
            "OR": [
                {"field": "metadata.device", "value": "Mobile", "case_sensitive": False},
                {"NOT": {"field": "created_at", "operator": "lt", "value": "2025-01-01"}},
            ],
        },
        "sort": {"field": "created_at"},
        "search": "  Red  Shoes red ",
    }
    query = parse_list_request(body, {"page": "3", "page_size": "7", "include_total": "true"})
    assert query == ListQuery(
        equals=(Equals("user_id", "u1"), Equals("interaction_type", "click")),
        filters=AllOf(
            (
                Condition(("position",), "gte", 1, True),
                Condition(("position",), "lte", 5, True),
                AnyOf(
                    (
                        Condition(("metadata", "device"), "eq", "Mobile", False),
                        NoneOf((Condition(("timestamp",), "lt", Instant(micros("2025-01-01T00:00:00+00:00")), True),)),
                    )
                ),
            )
        ),
        search=("red", "shoes"),  # folded, each once
        sort=Sort(("timestamp",), descending=False),
        window=Window(offset=14, limit=7),
    )


@pytest.mark.parametrize(
    ("params", "window"),
    [
        ({}, Window(0, 10)),
        ({"limit": "5", "offset": "7"}, Window(7, 5)),
        ({"page_size": "20"}, Window(0, 20)),
        ({"page_size": "20", "page": "2"}, Window(20, 20)),
        ({"page": "1001"}, Window(10_000, 10)),
        ({"page": "1002", "limit": "1000"}, Window(1_001_000, 1000)),
        ({"cursor": "c12345", "limit": "50"}, Window(12_345, 50)),
        ({"include_total": "false", "unknown": "ignored"}, Window(0, 10)),
    ],
)
def test_windows(params: dict[str, str], window: Window) -> None:
    assert parse_list_request({}, params).window == window


def test_an_empty_request_is_everything_newest_first() -> None:
    assert parse_list_request({}, {}) == ListQuery((), None, (), NEWEST_FIRST, Window(0, 10))


def test_an_empty_operator_object_holds() -> None:
    # "Every listed operator holds" with none listed: the key constrains nothing (docs/list-semantics.md).
    assert parse_list_request({"filters": {"position": {}}}, {}).filters == AllOf(())


@pytest.mark.parametrize(
    ("operand", "instant"),
    [
        ("2025-01-01", "2025-01-01T00:00:00+00:00"),
        ("2025-01-01T10:30:00Z", "2025-01-01T10:30:00+00:00"),
        ("2025-01-01t10:30:00.5z", "2025-01-01T10:30:00.500000+00:00"),
        ("2025-01-01T10:30:00+02:00", "2025-01-01T08:30:00+00:00"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00+00:00"),
    ],
)
def test_instant_operands_are_any_rfc3339_date_or_date_time(operand: str, instant: str) -> None:
    query = parse_list_request({"filters": {"created_at": {"gt": operand}}}, {})
    assert query.filters == Condition(("timestamp",), "gt", Instant(micros(instant)), False)


def test_year_zero_is_an_instant_before_year_one() -> None:
    query = parse_list_request({"filters": {"timestamp": {"lt": "0000-12-31T23:59:59Z"}}}, {})
    assert query.filters == Condition(
        ("timestamp",), "lt", Instant(micros("0001-01-01T00:00:00+00:00") - 1_000_000), False
    )


@pytest.mark.parametrize("pattern", ["^a.c$", r"\d{1,3}-\w+", "(?<name>x)|[a-z]+?", "a{1000}", r"\\1", "é+"])
def test_patterns_valid_as_json_schema_regex_and_re2_are_accepted(pattern: str) -> None:
    query = parse_list_request({"filters": {"metadata.query": {"regex": pattern}}}, {})
    assert isinstance(query.filters, Condition) and query.filters.operator == "regex"


def test_a_range_operand_on_timestamp_the_schema_let_through_is_still_read_or_refused() -> None:
    # The schema admits only RFC 3339 here, all of which read_instant reads; the parser still refuses
    # rather than compare a string it cannot read, should the two ever disagree.
    from mockserver.query.parse import _operand

    with pytest.raises(ValidationFailed) as raised:
        _operand("gt", ("timestamp",), "soon", ("body", "filters", "timestamp", "gt"), False)
    assert raised.value.errors[0].msg.startswith("timestamp compares as an instant; give an RFC 3339 date")
