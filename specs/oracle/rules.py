"""Every rule the semantic suites assert, each with its words and where the contract states it.

One catalogue, so a failure report can name the broken rule the same way every time and a
reader can check that nothing beyond the documented contract is asserted (CONTRACT.md leaves
some choices open: default page size, nesting limit, error wording, the delete body, bad
timestamps, ordering across value types; none of those appears here).
"""

from __future__ import annotations

from dataclasses import dataclass

_OPS = "CONTRACT.md > List semantics > Operators"
_TREE = "CONTRACT.md > List semantics > Filter tree"
_PAGES = "CONTRACT.md > List semantics > Pagination"
# API version 2026-11: what the official client states, and the page that states it for the mock.
_CLIENT = "mixpeek client 1.3.783"
_V2026_11 = "docs/list-semantics.md > API version 2026-11"
_GEO = f"{_CLIENT} > PayloadIndexConfig (points; the operators' names are Qdrant's); {_V2026_11} > Operators"


@dataclass(frozen=True)
class Rule:
    name: str
    text: str
    source: str

    def __str__(self) -> str:
        return f"[{self.name}] {self.text} ({self.source})"


AUTH_MISSING = Rule("auth.missing", "no Authorization header: 401", "CONTRACT.md > Auth and namespaces")
AUTH_MALFORMED = Rule(
    "auth.malformed", "an Authorization that is empty or not 'Bearer <token>': 401", "CONTRACT.md > Auth and namespaces"
)
NAMESPACE_MISSING = Rule("namespace.missing", "no X-Namespace header: 400", "CONTRACT.md > Auth and namespaces")
NAMESPACE_ISOLATION = Rule(
    "namespace.isolation",
    "data never crosses namespaces: a record created in one is invisible to get, list and delete in every other",
    "CONTRACT.md > Auth and namespaces",
)
ERROR_BODY = Rule(
    "errors.body",
    'every non-2xx body is an ErrorResponse {"success": false, "status": N, "error": {"message", "type", "details"}}',
    "CONTRACT.md > Errors",
)

CREATE = Rule(
    "create.assigns",
    "create answers 200 with the stored InteractionResponse: the client's fields, plus a server-assigned "
    "interaction_id (UUID4) and timestamp (ISO 8601, UTC)",
    "CONTRACT.md > Operations",
)
BATCH = Rule(
    "batch.creates",
    "batch answers 200 with a bulk result: one created result per valid item, each id then readable",
    "CONTRACT.md > Operations; upstream/EVOLUTION.md",
)
BATCH_PARTIAL = Rule(
    "batch.partial",
    "a bad item of a batch fails alone: the batch answers 200, the item is counted in failed and its result is "
    "not created, nothing is stored for it, and the other items are stored",
    "specs/openapi.json > create_interactions_batch",
)
DEDUP_REPEAT = Rule(
    "dedup.repeat",
    "a create repeating the (execution_id, feature_id, interaction_type) of one recorded within the last 5 minutes "
    "answers 200 with deduplicated true and interaction_id null, and nothing is stored",
    f"{_CLIENT} > create_interaction_retrievers, InteractionResponse.deduplicated",
)
DEDUP_DISTINCT = Rule(
    "dedup.distinct",
    "a create that repeats no recent one (another feature_id, say) is stored: it answers its interaction_id and "
    "deduplicated false (or leaves it out)",
    f"{_CLIENT} > InteractionResponse.deduplicated",
)
BACKFILL_OCCURRED_AT = Rule(
    "backfill.occurred_at",
    "a create's occurred_at (ISO 8601; without an offset, UTC) is stored as the same instant, and answered so",
    f"{_CLIENT} > SearchInteraction.occurred_at",
)
BACKFILL_FUTURE = Rule(
    "backfill.future",
    "a future occurred_at is clamped to now: stored no later than the record's timestamp",
    f"{_CLIENT} > SearchInteraction.occurred_at",
)
GET_AFTER_CREATE = Rule(
    "get.after_create", "get answers 200 with the record create returned", "CONTRACT.md > Operations"
)
GET_UNKNOWN = Rule("get.unknown", "get of an unknown id: 404", "CONTRACT.md > Operations")
DELETE_CONFIRMS = Rule("delete.confirms", "delete answers 200 with a JSON object", "CONTRACT.md > Operations")
DELETE_GONE = Rule(
    "delete.gone", "a deleted id is gone from get (404), list and delete (404)", "CONTRACT.md > Operations"
)

LIST_MATCH = Rule(
    "list.match",
    "a record is listed when it passes every simple field, the filters tree and the search",
    "CONTRACT.md > List semantics",
)
SIMPLE_EXACT = Rule(
    "simple.exact",
    "execution_id, retriever_id, session_id, user_id, feature_id: exact, case-sensitive equality",
    "CONTRACT.md > List semantics > Simple fields",
)
SIMPLE_INTERACTION_TYPE = Rule(
    "simple.interaction_type",
    "interaction_type (a string): the record's interaction_type list contains it",
    "CONTRACT.md > List semantics > Simple fields",
)
SEARCH = Rule(
    "search",
    "every whitespace-separated term occurs, ignoring case, as a substring of some value inside metadata "
    "(strings, and numbers as text); a blank search constrains nothing",
    "CONTRACT.md > List semantics > Search",
)
FILTER_AND = Rule("filter.AND", "AND: every child true", _TREE)
FILTER_OR = Rule("filter.OR", "OR: at least one child true", _TREE)
FILTER_NOT = Rule("filter.NOT", 'NOT: no child true ("all conditions must be false")', _TREE)
FILTER_KEYS = Rule("filter.keys", "keys at one level combine with AND", _TREE)
FILTER_SHORTHAND = Rule(
    "filter.shorthand",
    'shorthand: {"path": value} means eq; {"path": {op: operand, ...}} means every listed operator holds',
    _TREE,
)
FILTER_CASE = Rule(
    "filter.case_sensitive",
    "case_sensitive (default false) governs string comparison in eq, ne, in, nin, contains, starts_with, "
    "ends_with and regex; nested levels inherit it; a condition's own wins",
    _TREE,
)
OPERATORS: dict[str, Rule] = {
    name: Rule(f"filter.{name}", text, _OPS)
    for name, text in {
        "eq": "eq: equal (numbers numerically, booleans are not numbers); a list value matches when an element does",
        "ne": "ne: not equal; true for a missing field; a list value: no element equal (as in MongoDB)",
        "gt": "gt: numbers with numbers, strings with strings, timestamp as instants; other pairs and missing: false",
        "gte": "gte: numbers with numbers, strings with strings, timestamp as instants; other pairs and missing: false",
        "lt": "lt: numbers with numbers, strings with strings, timestamp as instants; other pairs and missing: false",
        "lte": "lte: numbers with numbers, strings with strings, timestamp as instants; other pairs and missing: false",
        "in": "in: the value (or an element of a list value) equals a member of the operand list",
        "nin": "nin: negation of in; true for a missing field",
        "contains": "contains: substring of a string value; element of a list value",
        "starts_with": "starts_with: string prefix",
        "ends_with": "ends_with: string suffix",
        "regex": "regex: the pattern is found anywhere in a string value",
        "exists": "exists: true: the path is present (even if null); false: absent",
        "is_null": "is_null: true: absent or null; false: present and not null",
        "text": "text: case-insensitive substring",
    }.items()
}
OPERATORS.update(
    {
        "words": Rule(
            "filter.words",
            "words: every word of the operand is, by its English stem, a whole word of a text value "
            "(drinking = drinks = drink)",
            f"{_CLIENT} > FilterOperator",
        ),
        "phrase": Rule(
            "filter.phrase",
            "phrase: the operand's words stand in a text value next to each other, in the same order",
            f"{_CLIENT} > FilterOperator (the name); {_V2026_11} > Operators",
        ),
        "geo_radius": Rule(
            "filter.geo_radius",
            "geo_radius: a point of the value ({lat, lon} or [lon, lat]; of a list, any) lies within radius metres "
            "of center",
            _GEO,
        ),
        "geo_bounding_box": Rule(
            "filter.geo_bounding_box",
            "geo_bounding_box: a point of the value lies in the box from top_left to bottom_right",
            _GEO,
        ),
        "geo_polygon": Rule(
            "filter.geo_polygon",
            "geo_polygon: a point of the value lies inside the exterior ring and outside every interior ring (hole)",
            _GEO,
        ),
    }
)

SORT = Rule(
    "sort",
    "sort {field, direction}: direction defaults to asc; no sort means timestamp desc; records missing the "
    "field come last in either direction; ties break on interaction_id ascending",
    "CONTRACT.md > List semantics > Sort",
)
SORT_OCCURRED_AT = Rule(
    "sort.occurred_at",
    "from 2026-11 no sort means occurred_at descending (a record without occurred_at by its timestamp), as does "
    "a sort on occurred_at in its direction; ties break on interaction_id ascending",
    f"{_V2026_11} > Records",
)
PAGE_SLICE = Rule("page.slice", "a page is the sorted matches from offset, at most limit of them", _PAGES)
PAGE_TOTAL = Rule("page.total", "total = all matches", _PAGES)
PAGE_NUMBERS = Rule(
    "page.numbers",
    "page = offset // limit + 1; page_size = limit; total_pages = ceil(total / limit) (0 when nothing matches)",
    _PAGES,
)
PAGE_LINKS = Rule(
    "page.links",
    "next_page / previous_page: relative URL of the neighbouring page (same path, same limit), null at either end",
    _PAGES,
)
PAGE_WALK = Rule("page.walk", "walking next_page from the first page visits every match exactly once, in order", _PAGES)
PAGE_CURSOR = Rule(
    "page.cursor",
    "next_cursor: resumes after the page's last row, equal in effect to the next offset; null on the last page",
    "CONTRACT.md > List semantics > Pagination; upstream/EVOLUTION.md",
)
PAGE_STYLE = Rule(
    "page.page_size",
    "page/page_size map onto offset/limit: offset = (page - 1) * page_size",
    "CONTRACT.md > List semantics > Pagination; upstream/EVOLUTION.md",
)
PAGE_PAST_END = Rule("page.past_end", "an offset past the end is an empty page, not an error", _PAGES)
PAGE_INCLUDE_TOTAL = Rule(
    "page.include_total",
    "from 2026-11 total and total_pages are null unless include_total=true; with it total counts every match "
    "(0 when none does)",
    f"{_CLIENT} > PaginationResponse",
)
PAGE_ITEMS = Rule(
    "page.items", "the list answer carries items, the same array as results", "upstream/EVOLUTION.md (adopted)"
)

# What a verifying proxy holds one exchange to besides the rules above (the suites leave these to Schemathesis).
SHAPE_STATUS = Rule("shape.status", "every answer's status is one its operation documents", "specs/openapi.json")
SHAPE_BODY = Rule(
    "shape.body", "every 2xx answer's body is valid against the documented schema of its status", "specs/"
)
LIST_RECORD = Rule(
    "list.record", "a listed record is the record create returned, field for field", "CONTRACT.md > Operations"
)
