"""Check request bodies against ``specs/`` and turn jsonschema's findings into FieldErrors.

The rules themselves live only in the schema files; this module only words the
messages so that each names the offending location, what was wrong and what is allowed.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

import specs
from mockserver.errors import FieldError, Location, ValidationFailed
from mockserver.wording import prepare, refusals
from specs import SEED, Edition

MAX_REPORTED = 20
# Far above anything a valid request needs; it keeps validation, evaluation and serialisation
# (orjson writes at most 255 levels) clear of recursion limits whatever a client sends.
MAX_DEPTH = 64

_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """A JSON-flavoured name for the type of a decoded value, for messages."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    # A long string is cut before it is quoted: quoting a megabyte to show sixty characters cost milliseconds.
    text = json.dumps(value[:limit] if isinstance(value, str) else value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _allowed(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def _unknown_key(loc: Location, key: str, known: Iterable[str]) -> FieldError:
    return FieldError((*loc, key), f"unknown key {key!r}; allowed: {_allowed(known)}", "extra_forbidden")


def _type_names(error: ValidationError) -> list[str]:
    """The JSON types a type error (or an anyOf of type errors) would have accepted."""
    errors = error.context if error.context else [error]
    names: list[str] = []
    for each in errors:
        value = each.validator_value
        for name in value if isinstance(value, list) else [value]:
            if name not in names:
                names.append(str(name))
    return names


def _translate(error: ValidationError, prefix: Location) -> FieldError:
    if "propertyNames" in error.absolute_schema_path:
        # The failure is about a key of the object at this location, not a value in it.
        found = _translate_value(error, prefix)
        return FieldError(found.loc, f"key {_short(error.instance)}: {found.msg}", found.type)
    return _translate_value(error, prefix)


def _translate_value(error: ValidationError, prefix: Location) -> FieldError:
    found = _worded(error, prefix)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if _conditional(error) and schema.get("description"):
        # A rule that holds only in some cases (if/then) says which in its description.
        return FieldError(found.loc, f"{found.msg}: {schema['description']}", found.type)
    return found


def _conditional(error: ValidationError) -> bool:
    """Whether the failing keyword is written in a ``then`` itself (not in a model it refers to)."""
    path = list(error.absolute_schema_path)
    after = path[len(path) - path[::-1].index("then") :] if "then" in path else None
    return after is not None and "$ref" not in after


def _worded(error: ValidationError, prefix: Location) -> FieldError:
    loc: Location = prefix + tuple(error.absolute_path)
    kind = str(error.validator)
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        # One error per missing key, each saying "'key' is a required property": name that key,
        # not the first missing one every time.
        absent = [k for k in value if isinstance(error.instance, dict) and k not in error.instance]
        missing = next((k for k in absent if error.message.startswith(repr(k))), absent[0] if absent else "?")
        return FieldError((*loc, missing), "field required", "missing")
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = schema.get("properties", {})
        extra = next((k for k in error.instance if k not in known), "?")
        return _unknown_key(loc, extra, known)
    if kind in {"anyOf", "oneOf"} and not _only_type_errors(error):
        reason = schema.get("description") or "matches none of the allowed forms"
        return FieldError(loc, f"{_short(error.instance)} is refused: {reason}", "value_error")
    if kind == "type" or kind in {"anyOf", "oneOf"}:
        wanted = _type_names(error)
        return FieldError(loc, f"must be of type {' or '.join(wanted)}, got {json_type(error.instance)}", "type_error")
    if kind == "enum":
        return FieldError(loc, f"{_short(error.instance)} is not allowed; use one of: {_allowed(value)}", "enum")
    if kind == "const":
        return FieldError(loc, f"must be {_short(value)}", "literal_error")
    if kind == "contains" and isinstance(value, dict) and "const" in value:
        return FieldError(loc, f"must contain {_short(value['const'])}", "contains")
    if kind in {"minimum", "maximum"}:
        side = "at least" if kind == "minimum" else "at most"
        return FieldError(loc, f"must be {side} {value}, got {_short(error.instance)}", f"{kind}_error")
    if kind in {"minItems", "maxItems"}:
        side = "at least" if kind == "minItems" else "at most"
        return FieldError(loc, f"must hold {side} {value} item{'s' if value != 1 else ''}", "length_error")
    if kind in {"minLength", "maxLength"}:
        side = "at least" if kind == "minLength" else "at most"
        return FieldError(loc, f"must be {side} {value} character{'s' if value != 1 else ''} long", "length_error")
    if kind == "pattern":
        what = schema.get("description") or f"the pattern {value}"
        return FieldError(
            loc, f"{_short(error.instance)} is not of the expected form: {what}", "string_pattern_mismatch"
        )
    if kind == "format":
        what = schema.get("description")
        return FieldError(
            loc,
            f"{_short(error.instance)} is not a valid {value}" + (f"; expected {what}" if what else ""),
            "format_error",
        )
    if kind == "not":
        own = value.get("description") if isinstance(value, dict) else None
        reason = own or schema.get("description") or "this value is not allowed here"
        return FieldError(loc, f"{_short(error.instance)} is refused: {reason}", "value_error")
    return FieldError(loc, error.message, kind)


# Failures that say little about what to change: a wrong type or a "must not be" match.
_WEAK = frozenset({"type", "not"})


_CONTAINERS = (dict, list)


def check_depth(body: Any) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH containers, naming where; iteratively, so the
    check cannot hit the recursion limit it guards against. Only containers are queued, so a
    long flat list costs one pass."""
    pending: list[tuple[Any, Location]] = [(body, ("body",))] if isinstance(body, dict | list) else []
    while pending:
        node, loc = pending.pop()
        if len(loc) > MAX_DEPTH:
            raise ValidationFailed.at(loc, f"nested more than {MAX_DEPTH} levels deep; flatten the request")
        # The kinds of a node's values are found in C: a long list of numbers costs one pass, not a test each.
        kinds = set(map(type, node.values() if isinstance(node, dict) else node))
        if dict in kinds or list in kinds:
            items = node.items() if isinstance(node, dict) else enumerate(node)
            pending.extend((child, (*loc, key)) for key, child in items if type(child) in _CONTAINERS)


def _most_specific(error: ValidationError) -> ValidationError:
    """Descend through anyOf/oneOf to the alternative that got furthest into the instance.

    The deepest location is the one closest to the offending value, so its message is the
    one a person can act on ("sort.field must be a string", not "sort is not valid").
    The anyOf itself is kept when every alternative failed on the type alone (worded "must
    be of type A or B"), or when the furthest one hit a ``false`` schema, which says nothing
    of why (the anyOf's description does).
    """
    while error.context:
        if _only_type_errors(error) or _only_form_errors(error):
            return error
        deeper = max(error.context, key=lambda e: (len(e.absolute_path), e.validator not in _WEAK))
        if deeper.validator is None:
            return error
        error = deeper
    return error


def _only_type_errors(error: ValidationError) -> bool:
    return all(e.validator == "type" and e.absolute_path == error.absolute_path for e in error.context)


def _only_form_errors(error: ValidationError) -> bool:
    """An anyOf of string forms (a date, a date-time or a local one) is worded by its own description."""
    return all(e.validator in {"format", "pattern"} and e.absolute_path == error.absolute_path for e in error.context)


def _schema_errors(model: str, instance: Any, prefix: Location, of: Edition = SEED) -> Iterator[FieldError]:
    for error in refusals(model, instance, of):
        yield _translate(_most_specific(error), prefix)


def _raise_first(found: Iterable[FieldError]) -> None:
    reported = list(itertools.islice(found, MAX_REPORTED))
    if reported:
        raise ValidationFailed(reported)


def check(model: str, instance: Any, prefix: Location = ("body",), of: Edition = SEED) -> None:
    """Raise ValidationFailed listing what is wrong with ``instance`` as a ``model``, if anything."""
    # The Rust validator decides; only a refused instance pays for Python's detailed errors.
    if not specs.fast_validator(model, of).is_valid(instance):
        _raise_first(_schema_errors(model, instance, prefix, of))


@cache
def _known_keys(model: str, of: Edition) -> dict[str, Any]:
    # Read once: specs.schema hands out a fresh copy of the whole schema (80 µs), and strict mode asks per body.
    properties: dict[str, Any] = specs.schema(model, of).get("properties", {})
    return properties


def _unknown_keys(model: str, instance: Any, prefix: Location, of: Edition) -> Iterator[FieldError]:
    if not isinstance(instance, dict):
        return
    known = _known_keys(model, of)
    for key in instance:
        if key not in known:
            yield _unknown_key(prefix, key, known)


class BodyRules:
    """How one server reads request bodies, as its options say.

    ``edition``: the contract the bodies are held to (an API version); ``strict`` refuses body keys
    the model does not declare (upstream's behaviour from 2026-11-02).
    """

    def __init__(self, edition: Edition = SEED, *, strict: bool = False) -> None:
        self.edition = edition
        self.strict = strict

    def prepare(self) -> None:
        """Build the validators a first refusal would otherwise pay for (a server, before it listens)."""
        prepare(self.edition)
        _query_parameters("list_interactions", self.edition)

    def holds(self, model: str, instance: Any) -> bool:
        """Whether ``check`` would let ``instance`` through, found without wording anything."""
        return specs.fast_validator(model, self.edition).is_valid(instance) and not any(
            True for _ in self.unknown_keys(model, instance)
        )

    def check(self, model: str, instance: Any, prefix: Location = ("body",)) -> None:
        if specs.fast_validator(model, self.edition).is_valid(instance):
            if not self.strict:
                return  # the common case, on every write: nothing more to look at
            schema_errors: Iterator[FieldError] = iter(())
        else:
            schema_errors = _schema_errors(model, instance, prefix, self.edition)
        _raise_first(itertools.chain(schema_errors, self.unknown_keys(model, instance, prefix)))

    def unknown_keys(self, model: str, instance: Any, prefix: Location = ("body",)) -> Iterator[FieldError]:
        """Keys ``model`` does not declare, when strict; nothing otherwise."""
        return _unknown_keys(model, instance, prefix, self.edition) if self.strict else iter(())

    def refuse_unknown_keys(self, model: str, instance: Any, prefix: Location = ("body",)) -> None:
        _raise_first(self.unknown_keys(model, instance, prefix))


def _coerce(raw: str, wanted: Any) -> Any:
    """Read a query-string value as the JSON type its schema asks for; leave it as text if it is not one."""
    if wanted == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if wanted == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower(), raw)
    return raw


@dataclass(frozen=True)
class _QueryParameter:
    """A documented query parameter; an exploded object stands for several plain ones (a=1&b=2)."""

    name: str
    schema: dict[str, Any]
    validator: Draft202012Validator
    # Decides valid-or-not in Rust on every request; the Python validator words the refusals.
    fast: jsonschema_rs.Validator

    @property
    def exploded(self) -> bool:
        return self.schema.get("type") == "object"

    def errors(self, value: Any, prefix: Location) -> Iterator[FieldError]:
        if self.fast.is_valid(value):
            return
        for error in self.validator.iter_errors(value):
            schema_path = list(error.absolute_schema_path)
            if schema_path[:1] == ["dependentSchemas"] and isinstance(value, dict):
                # Two ways of saying one thing: name both, rather than "False schema does not allow 5".
                given = str(schema_path[1])
                for clash in self.schema["dependentSchemas"][given]["properties"]:
                    if clash in value:
                        message = f"{clash} and {given} say the same thing twice; give one of them"
                        yield FieldError((*prefix, clash), message, "value_error")
            else:
                yield _translate(_most_specific(error), prefix)

    def read(self, params: Mapping[str, str]) -> tuple[Any, Location] | None:
        """The typed value the query string gives this parameter and where errors point, or None if absent."""
        if self.exploded:
            properties = self.schema["properties"]
            value = {key: _coerce(params[key], properties[key].get("type")) for key in properties if key in params}
            return value, ("query",)
        if self.name not in params:
            return None
        return _coerce(params[self.name], self.schema.get("type")), ("query", self.name)


@cache
def _query_parameters(operation_id: str, of: Edition = SEED) -> tuple[_QueryParameter, ...]:
    return tuple(
        _QueryParameter(name, schema, Draft202012Validator(schema), jsonschema_rs.Draft202012Validator(schema))
        for name, schema in specs.query_parameters(operation_id, of).items()
    )


def check_query(operation_id: str, params: Mapping[str, str], of: Edition = SEED) -> dict[str, Any]:
    """Validate an operation's query parameters against ``openapi.json``; return them typed.

    Unknown parameters are ignored, as FastAPI does.
    """
    typed: dict[str, Any] = {}
    found: list[FieldError] = []
    for parameter in _query_parameters(operation_id, of):
        read = parameter.read(params)
        if read is None:
            continue
        value, prefix = read
        found.extend(parameter.errors(value, prefix))
        if parameter.exploded:
            typed.update(value)
        else:
            typed[parameter.name] = value
    if found:
        raise ValidationFailed(found)
    return typed
