"""Read the schema files once and hand out validators and a self-contained OpenAPI document.

The schema files reference each other by file name (``"InteractionType.json"``) so that
each stays readable on its own; ``openapi.json`` references them as ``schemas/<Model>.json``.
Tools that want one document (Schemathesis, the served spec) get :func:`bundled_openapi`,
where every file reference is rewritten to ``#/components/schemas/<Model>``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_HERE = Path(__file__).resolve().parent
_SCHEMAS = _HERE / "schemas"
_BASE_URI = _SCHEMAS.as_uri() + "/"

MODEL_NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in _SCHEMAS.glob("*.json")))


def openapi_path() -> Path:
    """Location of the OpenAPI document on disk (its schema references are relative to it)."""
    return _HERE / "openapi.json"


@cache
def _raw_schema(name: str) -> dict[str, Any]:
    if name not in MODEL_NAMES:
        known = ", ".join(MODEL_NAMES)
        raise KeyError(f"no schema named {name!r}; known models: {known}")
    loaded: dict[str, Any] = json.loads((_SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def schema(name: str) -> dict[str, Any]:
    """A copy of one model's JSON Schema, as stored (references by file name)."""
    return copy.deepcopy(_raw_schema(name))


def _resource(name: str) -> Resource[Any]:
    return Resource.from_contents(_raw_schema(name), default_specification=DRAFT202012)


@cache
def _registry(substitutions: tuple[tuple[str, str], ...] = ()) -> Registry[Any]:
    """Every schema under its own file name, except that ``(model, stand_in)`` pairs swap contents."""
    swapped = dict(substitutions)
    return Registry().with_resources(
        (f"{_BASE_URI}{name}.json", _resource(swapped.get(name, name))) for name in MODEL_NAMES
    )


# The formats the schemas use are rules, not annotations: Schemathesis generates (and negates) them as
# rules, so the server has to hold requests to them. Rust decides what each means, for both validators.
ASSERTED_FORMATS = ("date", "date-time", "regex")


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name in ASSERTED_FORMATS:
        checker.checks(name)(jsonschema_rs.validator_for({"format": name}, validate_formats=True).is_valid)
    return checker


_FORMAT_CHECKER = _format_checker()


def _validator(name: str, registry: Registry[Any]) -> Draft202012Validator:
    _raw_schema(name)
    return Draft202012Validator({"$ref": f"{_BASE_URI}{name}.json"}, registry=registry, format_checker=_FORMAT_CHECKER)


@cache
def validator(name: str) -> Draft202012Validator:
    """A reusable validator for one model, with references to the other models resolved."""
    return _validator(name, _registry())


# Upstream's 2026 edition of the API: the models are the seed's, but InteractionType is wider.
_UPSTREAM_2026 = (("InteractionType", "InteractionType2026"),)


@cache
def upstream_validator(name: str) -> Draft202012Validator:
    """Like :func:`validator`, with InteractionType replaced by upstream's 2026 list of values."""
    return _validator(name, _registry(_UPSTREAM_2026))


@cache
def _bundled_components(substitutions: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    components = dict(_bundle()["components"]["schemas"])
    for model, stand_in in substitutions:
        components[model] = components[stand_in]
    return components


@cache
def fast_validator(name: str, upstream_enums: bool = False) -> jsonschema_rs.Validator:
    """The same rules as :func:`validator` (or :func:`upstream_validator`), checked in Rust.

    It answers "valid or not" many times faster; the Python validators word the errors.
    """
    _raw_schema(name)
    components = _bundled_components(_UPSTREAM_2026 if upstream_enums else ())
    document = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}
    return jsonschema_rs.Draft202012Validator(document, validate_formats=True)


def _component_ref(ref: str, owner: str) -> str:
    """Map a file reference (``X.json#/frag``) or a local one (``#/frag`` inside ``owner``) into the bundle."""
    target, _, fragment = ref.partition("#")
    name = Path(target).stem if target else owner
    return f"#/components/schemas/{name}{fragment}"


def _rewrite_refs(node: Any, owner: str) -> Any:
    if isinstance(node, dict):
        return {
            key: _component_ref(value, owner)
            if key == "$ref" and isinstance(value, str)
            else _rewrite_refs(value, owner)
            for key, value in node.items()
            if key != "$schema"
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, owner) for item in node]
    return node


@cache
def _bundle() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(openapi_path().read_text(encoding="utf-8"))
    components = document["components"]["schemas"]
    for name, entry in components.items():
        reference = entry.get("$ref", "")
        if reference.startswith("schemas/"):
            components[name] = _rewrite_refs(_raw_schema(Path(reference).stem), name)
    return document


def bundled_openapi() -> dict[str, Any]:
    """The OpenAPI document with every model inlined under ``components/schemas``."""
    return copy.deepcopy(_bundle())


ADMIN_TAG = "Mock admin"


def contract_openapi() -> dict[str, Any]:
    """The bundled document without the mock's own admin operations: what any implementation must serve."""
    document = bundled_openapi()
    document["tags"] = [tag for tag in document["tags"] if tag["name"] != ADMIN_TAG]
    document["components"]["securitySchemes"].pop("AdminToken", None)
    paths = {}
    for path, item in document["paths"].items():
        kept = {method: op for method, op in item.items() if ADMIN_TAG not in op.get("tags", [])}
        if kept:
            paths[path] = kept
    document["paths"] = paths
    return document


def operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """``(method, path, operation object)`` of one operation of the bundled document."""
    for path, item in _bundle()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(f"no operation {operation_id!r} in openapi.json")


def query_parameters(operation_id: str) -> dict[str, dict[str, Any]]:
    """Schema of each query parameter of an operation, by name."""
    _, _, op = operation(operation_id)
    return {p["name"]: p["schema"] for p in op.get("parameters", []) if p.get("in") == "query"}
