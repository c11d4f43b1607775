"""Read the schema files once and hand out validators and a self-contained OpenAPI document, in two views.

The schema files reference each other by file name (``"InteractionType.json"``) so that
each stays readable on its own; ``openapi.json`` references them as ``schemas/<Model>.json``.
Tools that want one document (Schemathesis, the served spec) get :func:`bundled_openapi`,
where every file reference is rewritten to ``#/components/schemas/<Model>``.

API versions
------------
The files in ``specs/schemas`` and ``openapi.json`` are the seed's contract (2025-12). A later
version restates only the models it changed (``specs/<version>/schemas``) and patches the OpenAPI
document; an :class:`Edition` (a version, and for an older one ``--upstream-enums``) picks the file
each model name means, under the seed's file names, so references between files hold in every
version. docs/api-versions.md is generated from the difference (``python -m specs.changelog``).

Two views of the same files
---------------------------
Some rules are the mock's own choices rather than the documented contract (a bound on a
number or a string, a regex dialect, an instant format, ...). The files keep them on the
schema node they belong to, inside an ``"x-mock"`` object::

    "position": {"type": "integer", "minimum": 0, "x-mock": {"maximum": 9223372036854775807}}

* the **mock's view** splices every ``x-mock`` object's keywords into its node, in place
  (:func:`schema`, :func:`validator`, :func:`upstream_validator`, :func:`fast_validator`,
  :func:`bundled_openapi`, :func:`contract_openapi`, :func:`operation`, :func:`query_parameters`):
  what the mock enforces;
* the **documented view** drops them (:func:`documented_schema`, :func:`documented_validator`,
  :func:`documented_openapi`): what any implementation of the API is held to.

Neither view contains the ``x-mock`` key itself. :func:`mock_only_constraints` lists what the
mock adds. ``x-mock`` may hold any keyword (``maximum``, ``format``, ``not``, ``if``/``then``,
``dependentSchemas``, ...), but none its node already has: a keyword is either documented or
the mock's, never both.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_HERE = Path(__file__).resolve().parent
_SCHEMAS = _HERE / "schemas"
_BASE_URI = _SCHEMAS.as_uri() + "/"

MODEL_NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in _SCHEMAS.glob("*.json")))

# The API versions the specs hold: the seed's, then each later one as the files that changed
# (``specs/<version>/schemas/<Model>.json``, whole models) and a JSON Patch (RFC 6902) of
# ``openapi.json`` (``specs/<version>/openapi.patch.json``). Every model not restated is the seed's.
SEED_VERSION = "2025-12"
V2026_11 = "2026-11"
API_VERSIONS: tuple[str, ...] = (SEED_VERSION, V2026_11)
LATEST_VERSION = API_VERSIONS[-1]


class Edition(NamedTuple):
    """Which contract: an API version and, on an older version, upstream's later InteractionType values
    (``--upstream-enums``: the one part of a later version that can be had alone)."""

    version: str = SEED_VERSION
    upstream_enums: bool = False

    def speaks(self, version: str) -> bool:
        """Whether this is ``version`` or later (versions are dates: they compare as text)."""
        return self.version >= version


SEED = Edition()


def edition(version: str = SEED_VERSION, *, upstream_enums: bool = False) -> Edition:
    """The edition of ``version``; ``upstream_enums`` means nothing on the latest version, which has them."""
    if version not in API_VERSIONS:
        raise ValueError(f"no API version {version!r}; the versions: {', '.join(API_VERSIONS)}")
    return Edition(version, upstream_enums and version != LATEST_VERSION)


def _version_dir(version: str) -> Path:
    return _HERE / version


@cache
def changed_models(version: str) -> tuple[str, ...]:
    """The models ``version`` restates (none for the seed's)."""
    if version == SEED_VERSION:
        return ()
    return tuple(sorted(p.stem for p in (_version_dir(version) / "schemas").glob("*.json")))


def _model_file(name: str, of: Edition) -> Path:
    if of.upstream_enums and name == "InteractionType":
        return _version_dir(LATEST_VERSION) / "schemas" / f"{name}.json"
    if name in changed_models(of.version):
        return _version_dir(of.version) / "schemas" / f"{name}.json"
    return _SCHEMAS / f"{name}.json"


# The key of the object that holds a schema node's mock-only keywords.
MOCK_KEYWORD = "x-mock"
# The name mock_only_constraints() gives specs/openapi.json (every other source is a model's file).
OPENAPI_SOURCE = "openapi"

View = Literal["mock", "documented"]
_MOCK: View = "mock"
_DOCUMENTED: View = "documented"

# Keywords whose values are data, not schemas: nothing inside them is an x-mock object.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})
# Keywords whose values map names to schemas: their keys are names, never keywords.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})


class MockConstraint(NamedTuple):
    """One rule the mock holds that the documentation does not state (an ``x-mock`` keyword)."""

    model: str
    """The schema file's model name (``<version>/<Model>`` for a later version's own file), or ``"openapi"``
    for ``specs/openapi.json`` (with that version's patch)."""
    pointer: str
    """JSON pointer (RFC 6901) to the schema node within that file; ``""`` is the file's root."""
    keyword: str
    value: Any


def openapi_path() -> Path:
    """Location of the OpenAPI document on disk (its schema references are relative to it)."""
    return _HERE / "openapi.json"


def _pointer(where: tuple[str | int, ...]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in where)


def _nodes(
    node: Any, where: tuple[str | int, ...] = (), named: bool = False
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every object of a stored document that may carry ``x-mock``, with its location.

    Data (enum values, examples, defaults) and the contents of ``x-mock`` itself are not entered.
    """
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _nodes(item, (*where, index))
    elif isinstance(node, dict):
        if not named:
            yield where, node
        for key, value in node.items():
            if named or (key != MOCK_KEYWORD and key not in _DATA_KEYWORDS):
                yield from _nodes(value, (*where, key), not named and key in _NAMED_SCHEMAS)


def _mock_keywords(node: dict[str, Any], where: tuple[str | int, ...], source: str) -> dict[str, Any]:
    """The node's ``x-mock`` object, checked: a non-empty object of keywords the node does not have itself."""
    extension = node.get(MOCK_KEYWORD, {})
    place = f"{source}.json#{_pointer(where)}"
    if not isinstance(extension, dict) or (MOCK_KEYWORD in node and not extension):
        raise ValueError(f"{place}: {MOCK_KEYWORD} must be a non-empty object of JSON Schema keywords")
    clashes = sorted(set(extension) & set(node))
    if clashes:
        raise ValueError(f"{place}: {', '.join(clashes)} both documented and in {MOCK_KEYWORD}; keep one")
    nested = [_pointer(inner) for inner, each in _nodes(extension) if MOCK_KEYWORD in each]
    if MOCK_KEYWORD in extension or nested:
        raise ValueError(f"{place}: {MOCK_KEYWORD} inside {MOCK_KEYWORD}")
    return extension


def _view(node: Any, view: View, source: str, where: tuple[str | int, ...] = (), named: bool = False) -> Any:
    """A fresh copy of ``node`` in one view: each ``x-mock`` object spliced in where it stands (mock) or dropped."""
    if isinstance(node, list):
        return [_view(item, view, source, (*where, index)) for index, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if named:
        return {key: _view(value, view, source, (*where, key)) for key, value in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == MOCK_KEYWORD:
            extension = _mock_keywords(node, where, source)
            if view == _MOCK:
                out.update(copy.deepcopy(extension))
        elif key in _DATA_KEYWORDS:
            out[key] = copy.deepcopy(value)
        else:
            out[key] = _view(value, view, source, (*where, key), key in _NAMED_SCHEMAS)
    return out


@cache
def _file(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _raw_schema(name: str, of: Edition = SEED) -> dict[str, Any]:
    """One model's file as stored, ``x-mock`` objects included."""
    if name not in MODEL_NAMES:
        known = ", ".join(MODEL_NAMES)
        raise KeyError(f"no schema named {name!r}; known models: {known}")
    return _file(_model_file(name, of))


def _source(name: str, of: Edition) -> str:
    """How messages name a model's file: ``Model``, or ``<version>/Model`` for a later version's."""
    path = _model_file(name, of)
    return name if path.parent == _SCHEMAS else f"{path.parent.parent.name}/{name}"


def _schema_view(name: str, view: View, of: Edition = SEED) -> dict[str, Any]:
    return _viewed_file(_model_file(name, of), view, _source(name, of))


@cache
def _viewed_file(path: Path, view: View, source: str) -> dict[str, Any]:
    # By file, not by edition: a model no version restates is one object in every edition.
    viewed: dict[str, Any] = _view(_file(path), view, source)
    return viewed


def schema(name: str, of: Edition = SEED) -> dict[str, Any]:
    """A copy of one model's JSON Schema as the mock holds it (references by file name)."""
    _raw_schema(name)
    return copy.deepcopy(_schema_view(name, _MOCK, of))


def documented_schema(name: str, of: Edition = SEED) -> dict[str, Any]:
    """A copy of one model's JSON Schema under the documented rules only (references by file name)."""
    _require_documented(name, of)
    return copy.deepcopy(_schema_view(name, _DOCUMENTED, of))


@cache
def _mock_only(version: str) -> tuple[MockConstraint, ...]:
    of = edition(version)
    sources = [(_source(name, of), _raw_schema(name, of)) for name in MODEL_NAMES]
    sources.append((OPENAPI_SOURCE, _openapi_file(version)))
    found = []
    for source, document in sources:
        for where, node in _nodes(document):
            if MOCK_KEYWORD in node:
                for keyword, value in _mock_keywords(node, where, source).items():
                    found.append(MockConstraint(source, _pointer(where), keyword, value))
    return tuple(found)


def mock_only_constraints(version: str = SEED_VERSION) -> list[MockConstraint]:
    """Every rule the mock adds to the documented contract of ``version``: each keyword of each ``x-mock``
    object, in file order. A model ``version`` restates is named ``<version>/<Model>``."""
    return [constraint._replace(value=copy.deepcopy(constraint.value)) for constraint in _mock_only(version)]


@cache
def _registry(of: Edition = SEED, view: View = _MOCK) -> Registry[Any]:
    """Every model of an edition under the seed's file name, so that references between files hold in each."""
    return Registry().with_resources(
        (
            f"{_BASE_URI}{name}.json",
            Resource.from_contents(_schema_view(name, view, of), default_specification=DRAFT202012),
        )
        for name in MODEL_NAMES
    )


# The formats the schemas use are rules, not annotations: Schemathesis generates (and negates) them as
# rules, so the server has to hold requests to them. Rust decides what each means, for both validators.
# The documented view uses the same checker: only formats the documentation states are left in it.
ASSERTED_FORMATS = ("date", "date-time", "regex")


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name in ASSERTED_FORMATS:
        checker.checks(name)(jsonschema_rs.validator_for({"format": name}, validate_formats=True).is_valid)
    return checker


_FORMAT_CHECKER = _format_checker()


def _validator(
    name: str, registry: Registry[Any], cls: type[Draft202012Validator] = Draft202012Validator
) -> Draft202012Validator:
    _raw_schema(name)
    return cls({"$ref": f"{_BASE_URI}{name}.json"}, registry=registry, format_checker=_FORMAT_CHECKER)


@cache
def validator(name: str, of: Edition = SEED) -> Draft202012Validator:
    """A reusable validator for one model as the mock holds it, with references to the other models resolved."""
    return _validator(name, _registry(of))


@cache
def documented_validator(name: str, of: Edition = SEED) -> Draft202012Validator:
    """A reusable validator for one model under the documented rules only: for judging another server's answers.

    It accepts everything :func:`validator` accepts, and also what only the mock's own bounds refuse.
    """
    _require_documented(name, of)
    return _validator(name, _registry(of, _DOCUMENTED))


def _unversioned(name: str, of: Edition = SEED) -> dict[str, Any]:
    """A model's schema as the mock holds it, without ``$schema``: jsonschema walks a schema that names its
    draft with that draft's own validator class, whatever class it was asked to use."""
    return _unversioned_file(_model_file(name, of), _source(name, of))


@cache
def _unversioned_file(path: Path, source: str) -> dict[str, Any]:
    return {key: value for key, value in _viewed_file(path, _MOCK, source).items() if key != "$schema"}


@cache
def validator_of_class(name: str, cls: type[Draft202012Validator], of: Edition = SEED) -> Draft202012Validator:
    """:func:`validator` as an instance of ``cls``, a class made by ``jsonschema.validators.extend`` from
    Draft 2020-12: the same rules, some keywords worded or walked the caller's way. It walks the very
    schema objects :func:`fast_subschema_validator` knows."""
    registry: Registry[Any] = Registry().with_resources(
        (f"{_BASE_URI}{model}.json", Resource.from_contents(_unversioned(model, of), default_specification=DRAFT202012))
        for model in MODEL_NAMES
    )
    return _validator(name, registry, cls)


@cache
def _bundled_components(of: Edition = SEED, view: View = _MOCK) -> dict[str, Any]:
    components: dict[str, Any] = _bundle(view, of)["components"]["schemas"]
    return components


def _fast(name: str, of: Edition, view: View) -> jsonschema_rs.Validator:
    if name not in _bundled_components(of, view):
        raise KeyError(f"no component schema named {name!r}; known: {', '.join(_bundled_components(of, view))}")
    document = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": _bundled_components(of, view)}}
    return jsonschema_rs.Draft202012Validator(document, validate_formats=True)


@cache
def fast_validator(name: str, of: Edition = SEED) -> jsonschema_rs.Validator:
    """The same rules as :func:`validator`, checked in Rust.

    It answers "valid or not" many times faster; the Python validators word the errors.
    """
    return _fast(name, of, _MOCK)


@cache
def documented_fast_validator(name: str, of: Edition = SEED) -> jsonschema_rs.Validator:
    """The rules of a documented component (a model, or a schema the OpenAPI document states inline, such
    as ``ValidationErrorResponse``), checked in Rust: for judging every answer of a live server (the
    verifying proxy) at a cost far below the exchange's."""
    return _fast(name, of, _DOCUMENTED)


@cache
def _bundle_pointers(of: Edition = SEED) -> dict[int, str]:
    """Where each object of the mock's schema files (as the Python validators walk them) sits in the bundle."""
    return {
        id(node): _pointer(("components", "schemas", name, *where))
        for name in MODEL_NAMES
        for where, node in _nodes(_unversioned(name, of))
    }


def fast_subschema_validator(node: Any, of: Edition = SEED, items: bool = False) -> jsonschema_rs.Validator | None:
    """The Rust validator of one object of the mock's schemas, met while a Python validator walks an
    instance (or, with ``items``, of an array whose every item must match it); None for anything else.

    What lets a Python validator skip, at Rust's speed, every part of an instance that is valid.
    """
    pointer = _bundle_pointers(of).get(id(node))
    return None if pointer is None else _fast_at(pointer, of, items)


def prepare_fast_subschema_validators(of: Edition = SEED) -> None:
    """Compile every validator :func:`fast_subschema_validator` gives (about 0.2 s): a server does it before
    it listens, so that no request pays for it."""
    for pointer in _bundle_pointers(of).values():
        _fast_at(pointer, of, False)
        if pointer.rsplit("/", 1)[-1] in ("items", "propertyNames"):  # also read a chunk at a time
            _fast_at(pointer, of, True)


def schema_patterns(of: Edition = SEED) -> set[str]:
    """Every regular expression the mock's schemas hold (``pattern`` values, ``patternProperties`` keys)."""
    found: set[str] = set()
    for name in MODEL_NAMES:
        for _, node in _nodes(_unversioned(name, of)):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            found.update(node.get("patternProperties", {}))
    return found


@cache
def _fast_at(pointer: str, of: Edition, items: bool) -> jsonschema_rs.Validator:
    target = {"$ref": f"#{pointer}"}
    document = {"items": target} if items else target
    return jsonschema_rs.Draft202012Validator(
        {**document, "components": {"schemas": _bundled_components(of)}}, validate_formats=True
    )


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


def _patched(document: dict[str, Any], operations: list[dict[str, Any]], source: Path) -> dict[str, Any]:
    """A copy of ``document`` with a JSON Patch (RFC 6902) applied: its ``add``, ``replace`` and ``remove``
    operations, which are all a version needs to say how its document differs."""
    out = copy.deepcopy(document)
    for number, step in enumerate(operations):
        op, path = step.get("op"), str(step.get("path", ""))
        *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]] or [""]
        try:
            if op not in ("add", "replace", "remove"):
                raise ValueError("unsupported op (add, replace, remove)")
            node: Any = out
            for part in parents:
                node = node[int(part)] if isinstance(node, list) else node[part]
            if isinstance(node, list):
                index = len(node) if last == "-" else int(last)
                if op != "add":
                    node.pop(index)
                if op != "remove":
                    node.insert(index, step["value"])
            else:
                if op != "add" and last not in node:
                    raise KeyError(last)
                if op == "remove":
                    del node[last]
                else:
                    node[last] = step["value"]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ValueError(f"{source}: operation {number} ({op} {path}): {exc}") from None
    return out


def openapi_patch_path(version: str) -> Path:
    """Where a later version states, as a JSON Patch, how its OpenAPI document differs from the seed's."""
    return _version_dir(version) / "openapi.patch.json"


@cache
def _openapi_file(version: str = SEED_VERSION) -> dict[str, Any]:
    """``openapi.json`` as stored (with a later version's patch applied), ``x-mock`` objects included."""
    seed = _file(openapi_path())
    if version == SEED_VERSION:
        return seed
    patch_path = openapi_patch_path(version)
    operations: list[dict[str, Any]] = json.loads(patch_path.read_text(encoding="utf-8"))
    return _patched(seed, operations, patch_path)


@cache
def _bundle(view: View = _MOCK, of: Edition = SEED) -> dict[str, Any]:
    document: dict[str, Any] = _view(_openapi_file(of.version), view, OPENAPI_SOURCE)
    components = document["components"]["schemas"]
    for name, entry in components.items():
        reference = entry.get("$ref", "")
        if reference.startswith("schemas/"):
            components[name] = _rewrite_refs(_schema_view(Path(reference).stem, view, of), name)
    return document


def bundled_openapi(of: Edition = SEED) -> dict[str, Any]:
    """The OpenAPI document as the mock serves it, every model inlined under ``components/schemas``."""
    return copy.deepcopy(_bundle(_MOCK, of))


ADMIN_TAG = "Mock admin"


def _without_admin(document: dict[str, Any]) -> dict[str, Any]:
    document["tags"] = [tag for tag in document["tags"] if tag["name"] != ADMIN_TAG]
    document["components"]["securitySchemes"].pop("AdminToken", None)
    paths = {}
    for path, item in document["paths"].items():
        kept = {method: op for method, op in item.items() if ADMIN_TAG not in op.get("tags", [])}
        if kept:
            paths[path] = kept
    document["paths"] = paths
    return document


def contract_openapi(of: Edition = SEED) -> dict[str, Any]:
    """The bundled document without the mock's own admin operations: what the mock serves at GET /openapi.json."""
    return _without_admin(bundled_openapi(of))


_SCHEMA_REF = "#/components/schemas/"


def _schema_refs(node: Any) -> Iterator[str]:
    """Names of the components every ``$ref`` under ``node`` points into."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            yield ref[len(_SCHEMA_REF) :].split("/", 1)[0]
        for value in node.values():
            yield from _schema_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schema_refs(item)


def _reach(start: Any, schemas: dict[str, Any]) -> set[str]:
    """The components ``start`` references, directly or through other components."""
    pending, reached = list(_schema_refs(start)), set()
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(_schema_refs(schemas[name]))
    return reached


@cache
def _documented(version: str = SEED_VERSION) -> dict[str, Any]:
    whole = copy.deepcopy(_bundle(_DOCUMENTED, edition(version)))
    schemas = whole["components"]["schemas"]
    admin = [op for item in whole["paths"].values() for op in item.values() if ADMIN_TAG in op.get("tags", [])]
    document = _without_admin(whole)
    rest = {key: value for key, value in document.items() if key != "components"}
    rest["components"] = {key: value for key, value in document["components"].items() if key != "schemas"}
    # The models only the admin operations use are the mock's.
    dropped = _reach(admin, schemas) - _reach(rest, schemas)
    document["components"]["schemas"] = {name: model for name, model in schemas.items() if name not in dropped}
    seed = version == SEED_VERSION
    document["info"] = {
        **document["info"],
        "title": "Mixpeek retriever interactions (documented contract)",
        "description": (
            "The retriever interactions API as documented: "
            + (
                "the seed's documented contract plus the additive upstream changes the project adopts "
                "(items, cursor, page/page_size, include_total, batch). "
                if seed
                else f"as of API version {version} (docs/api-versions.md says what changed since the seed's). "
            )
            + "Without the mock's own bounds and admin operations: what any implementation is held to."
        ),
    }
    return document


def documented_openapi(version: str = SEED_VERSION) -> dict[str, Any]:
    """The API's operations under the documented rules only (no admin operations, no mock-only bounds).

    A valid OpenAPI 3.1 document with every model inlined, for ``schemathesis.openapi.from_dict``
    and for judging another implementation.
    """
    return copy.deepcopy(_documented(version))


def documented_models(version: str = SEED_VERSION) -> tuple[str, ...]:
    """The documented API's models: all but those only the admin operations use."""
    return tuple(name for name in MODEL_NAMES if name in _documented(version)["components"]["schemas"])


def _require_documented(name: str, of: Edition = SEED) -> None:
    _raw_schema(name)
    if name not in documented_models(of.version):
        raise KeyError(
            f"{name!r} is the mock's own model, not the documented API's; documented models: "
            + ", ".join(documented_models(of.version))
        )


def operation(operation_id: str, of: Edition = SEED) -> tuple[str, str, dict[str, Any]]:
    """``(method, path, operation object)`` of one operation of the bundled (mock's) document."""
    for path, item in _bundle(_MOCK, of)["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(f"no operation {operation_id!r} in openapi.json")


def query_parameters(operation_id: str, of: Edition = SEED) -> dict[str, dict[str, Any]]:
    """Schema of each query parameter of an operation, by name, as the mock holds it."""
    _, _, op = operation(operation_id, of)
    return {p["name"]: p["schema"] for p in op.get("parameters", []) if p.get("in") == "query"}
