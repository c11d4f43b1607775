"""A Python validator that finds what is wrong with a refused body at about the cost of reading it.

The Rust validator decides whether a body is valid in microseconds, but says little a person can
act on; jsonschema's Python validator says it well (validation.py words its findings), at tens of
microseconds a value, and walks every value, valid or not: refusing a list of 400,000 integers took
it 17 s. This one walks the same schema objects with the same keywords, except that:

* before a keyword looks into a list or an object, the Rust validator of the schema object holding
  it (``specs.fast_subschema_validator``) is asked whether that part is valid, and a valid part is
  not walked: only the way down to what is wrong is;
* the items of a long list (and the keys of a wide object) are checked by Rust a chunk, then an item,
  at a time, and those of a list already over its ``maxItems`` not at all: that one finding says what
  to change;
* a string over its ``maxLength`` is not matched against its pattern or format (matching a megabyte
  with Python's ``re`` took 60 ms to say nothing more);
* ``anyOf`` and ``oneOf`` keep a bounded number of findings of each alternative, where jsonschema
  keeps them all;
* keys a schema does not name are found in the body's order (jsonschema's is a set's) and only as
  far as needed;
* no message quotes a whole instance (jsonschema's ``repr`` of a megabyte body cost more than
  finding the error): validation.py words errors from their keyword, value and location.

What is found is what jsonschema finds, up to those bounds (tests/test_wording.py holds it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from functools import cache
from itertools import islice
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

import specs
from specs import SEED, Edition

# Findings kept from each alternative of an anyOf / oneOf: enough to choose the one to report.
KEPT_PER_ALTERNATIVE = 20
# Items of a long list checked at once in Rust; only a chunk holding an invalid item is walked here.
ITEMS_CHUNK = 512

Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError] | None]

# Keywords that look into the values of a list or an object: each is skipped where that part is valid.
_DESCENDING = (
    "$ref",
    "$dynamicRef",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "prefixItems",
    "contains",
    "allOf",
    "if",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_BASE = Draft202012Validator.VALIDATORS

# Rust's answers during one walk, by (schema object, instance part): a part is asked about once per
# schema object however many of its keywords look into it. Per thread: bodies may be read in threads.
_answers = threading.local()


def _valid(of: Edition, schema: Any, instance: Any) -> bool:
    """Whether Rust finds ``instance`` (a list or an object) valid against ``schema``; False when it cannot say."""
    fast = specs.fast_subschema_validator(schema, of)
    if fast is None:
        return False
    # Each answer holds its part, so that no other object can take the part's id while the answer is kept.
    answers: dict[tuple[int, int], tuple[Any, bool]] = _answers.found
    key = (id(schema), id(instance))
    known = answers.get(key)
    if known is None:
        known = answers[key] = (instance, fast.is_valid(instance))
    return known[1]


def _is_container(instance: Any) -> bool:
    return type(instance) is dict or type(instance) is list


def _skipping(of: Edition, keyword: Keyword) -> Keyword:
    def skipping(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if _is_container(instance) and _valid(of, schema, instance):
            return
        yield from keyword(validator, value, instance, schema) or ()

    return skipping


def _items(of: Edition) -> Keyword:
    def items(validator: Any, items: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if type(instance) is not list or _valid(of, schema, instance):
            return
        limit = schema.get("maxItems")
        if limit is not None and len(instance) > limit:
            return  # "at most N items" says what to change; the items need not be read
        if items is False or "prefixItems" in schema:
            yield from _BASE["items"](validator, items, instance, schema) or ()
            return
        for index, item in _invalid(of, items, instance):
            yield from validator.descend(item, items, path=index)

    return items


def _invalid(of: Edition, schema: Any, values: list[Any]) -> Iterator[tuple[int, Any]]:
    """(index, value) of each of ``values`` invalid against ``schema``, found by Rust a chunk, then a value,
    at a time (all of them where Rust cannot say)."""
    whole = specs.fast_subschema_validator(schema, of, items=True)
    one = specs.fast_subschema_validator(schema, of)
    for start in range(0, len(values), ITEMS_CHUNK):
        chunk = values[start : start + ITEMS_CHUNK]
        if whole is not None and whole.is_valid(chunk):
            continue
        for index, value in enumerate(chunk, start):
            if one is None or not one.is_valid(value):
                yield index, value


def _property_names(of: Edition) -> Keyword:
    def property_names(validator: Any, names: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if type(instance) is not dict or _valid(of, schema, instance):
            return
        for _, name in _invalid(of, names, list(instance)):
            yield from validator.descend(instance=name, schema=names)

    return property_names


def _additional_properties(of: Edition) -> Keyword:
    def additional(validator: Any, extra: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if type(instance) is not dict or _valid(of, schema, instance):
            return
        # In the body's order (jsonschema's is a set's), and only as far as needed.
        named = schema.get("properties", {})
        patterns = "|".join(schema.get("patternProperties", {}))
        extras = (key for key in instance if key not in named and not (patterns and re.search(patterns, key)))
        if type(extra) is dict:
            for key in extras:
                yield from validator.descend(instance[key], extra, path=key)
        elif extra is False and next(extras, None) is not None:
            yield ValidationError("keys the schema does not name")

    return additional


def _unless_too_long(keyword: Keyword) -> Keyword:
    """A string over its ``maxLength`` is refused for that alone: its pattern or format need not be read."""

    def unless_too_long(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if type(instance) is str and len(instance) > schema.get("maxLength", len(instance)):
            return
        yield from keyword(validator, value, instance, schema) or ()

    return unless_too_long


def _alternatives(of: Edition, one: bool) -> Keyword:
    def alternatives(validator: Any, options: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if _is_container(instance) and _valid(of, schema, instance):
            return
        found: list[ValidationError] = []
        matched = None
        for index, option in enumerate(options):
            errors = list(islice(validator.descend(instance, option, schema_path=index), KEPT_PER_ALTERNATIVE))
            if not errors:
                matched = index
                break
            found.extend(errors)
        if matched is None:
            yield ValidationError("matches none of the allowed forms", context=found)
        elif one and any(not list(islice(validator.descend(instance, option), 1)) for option in options[matched + 1 :]):
            yield ValidationError("matches more than one of the allowed forms")

    return alternatives


def _type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    names = types if isinstance(types, list) else [types]
    if not any(validator.is_type(instance, name) for name in names):
        yield ValidationError(f"not of type {', '.join(names)}")


def _size_bound(kind: type[list[Any]] | type[str], unit: str, at_most: bool) -> Keyword:
    """maxItems / minItems / maxLength / minLength on ``kind``, worded by the size alone (never the instance)."""

    def bound(validator: Any, limit: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if type(instance) is not kind:
            return
        size = len(instance)
        if size > limit if at_most else size < limit:
            yield ValidationError(f"{size} {unit}, {'more' if at_most else 'fewer'} than {limit}")

    return bound


@cache
def _validator_class(of: Edition) -> type[Draft202012Validator]:
    keywords: dict[str, Keyword] = {name: _skipping(of, _BASE[name]) for name in _DESCENDING}
    keywords.update(
        items=_items(of),
        anyOf=_alternatives(of, one=False),
        oneOf=_alternatives(of, one=True),
        additionalProperties=_additional_properties(of),
        propertyNames=_property_names(of),
        pattern=_unless_too_long(_BASE["pattern"]),
        **{"not": _unless_too_long(_skipping(of, _BASE["not"]))},
        format=_unless_too_long(_BASE["format"]),
        type=_type,
        maxItems=_size_bound(list, "items", at_most=True),
        minItems=_size_bound(list, "items", at_most=False),
        maxLength=_size_bound(str, "characters", at_most=True),
        minLength=_size_bound(str, "characters", at_most=False),
    )
    made: type[Draft202012Validator] = extend(Draft202012Validator, keywords)  # type: ignore[no-untyped-call]
    return made


# The bodies a server reads, each as a model.
BODY_MODELS = ("SearchInteraction", "BatchInteractionsRequest", "ListInteractionsRequest")


def prepare(of: Edition = SEED) -> None:
    """Build now what a first refusal would otherwise build: the validators, Rust's for each schema object,
    and the compiled patterns jsonschema looks up in ``re``'s cache (one took 10 ms to compile)."""
    for model in BODY_MODELS:
        specs.validator_of_class(model, _validator_class(of), of)
    specs.prepare_fast_subschema_validators(of)
    for pattern in specs.schema_patterns(of):
        re.compile(pattern)


def refusals(model: str, instance: Any, of: Edition = SEED) -> Iterator[ValidationError]:
    """What is wrong with ``instance`` as a ``model``, lazily, in jsonschema's order (see the top)."""
    validator = specs.validator_of_class(model, _validator_class(of), of)
    _answers.found = {}
    try:
        yield from validator.iter_errors(instance)
    finally:
        _answers.found = {}
