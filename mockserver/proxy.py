"""``--proxy URL``: the mock between an app and another implementation, forwarding and judging every API call.

Every request under the API's prefix goes to the target as it came (method, path, query,
body, ``Authorization``, ``X-Namespace`` and the other end-to-end headers) and its answer
comes back as it went (status, body, the headers that describe them), after
``mockserver.verifier`` has judged the exchange. A broken rule is said once on stderr and
kept with the exchange in the journal (``/_mock/journal?violations=true``), counted for
``/_mock/violations``, and with ``--proxy-strict`` the answer becomes a 502 naming it. With
``--record`` the records the answers carry (created, fetched, listed) are stored in the
local namespace of the same name, to be exported and served offline.

Bodies are read whole (mockserver/upstream.py): an answer must be read to be judged, and the API's answers are JSON
documents of bounded size, not streams.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web
from multidict import CIMultiDict

from mockserver.errors import ApiError, BadGateway, GatewayTimeout, error_body
from mockserver.journal import VIOLATIONS, take_body
from mockserver.jsonio import respond
from mockserver.state import PROXY, STORE
from mockserver.upstream import BadAnswer, Upstream
from mockserver.verifier import Exchange, Verifier, operation_of
from specs.oracle.pages import Finding
from specs.oracle.replay import curl

log = logging.getLogger("mockserver.proxy")

# Hop-by-hop headers (RFC 9110, 7.6.1) and those the two hops compute for themselves.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "accept-encoding",
    }
)
_NOT_RETURNED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "date", "server"}
)
TIMEOUT_S = 60.0


class Proxy:
    """One target, the judge of its exchanges, and what has been found so far."""

    def __init__(self, target: str, version: str, strict: bool, record: bool) -> None:
        self.target = target.rstrip("/")
        self.strict = strict
        self.record = record
        self.verifier = Verifier(version)
        self.checked = 0
        self.broken: Counter[str] = Counter()
        self.upstream = Upstream(self.target)

    async def connections(self, app: web.Application) -> AsyncIterator[None]:
        """The kept-alive connections to the target live as long as the app."""
        yield
        self.upstream.close()

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "strict": self.strict,
            "checked": self.checked,
            "violations": sum(self.broken.values()),
            "rules": dict(sorted(self.broken.items())),
        }

    def reset(self) -> None:
        """Back to how it started: nothing found, nothing remembered."""
        self.checked = 0
        self.broken.clear()
        self.verifier = Verifier(self.verifier.version)

    async def forward(self, request: web.Request) -> web.StreamResponse:
        raw = await take_body(request)
        headers = [(name, value) for name, value in request.headers.items() if name.lower() not in _NOT_FORWARDED]
        target = request.rel_url.raw_path_qs
        try:
            async with asyncio.timeout(TIMEOUT_S):
                answer = await self.upstream.request(request.method, target, headers, raw)
        except (OSError, BadAnswer, TimeoutError) as exc:
            return _unreachable(self.target, exc)
        exchange = Exchange(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            raw,
            answer.status,
            answer.body,
            time.monotonic(),
        )
        violations = self._judge(exchange, self.target + target)
        request[VIOLATIONS] = violations
        if self.record and operation_of(exchange.method, exchange.path) is not None:
            _record(request.app, exchange)
        if violations and self.strict:
            return _refused(violations)
        kept = [(name, value) for name, value in answer.headers if name.lower() not in _NOT_RETURNED]
        return web.Response(body=answer.body, status=answer.status, headers=CIMultiDict(kept))

    def _judge(self, exchange: Exchange, url: str) -> tuple[dict[str, Any], ...]:
        try:
            findings = self.verifier.check(exchange)
        except Exception:  # a fault of the judge must not cost the app its answer
            log.exception("could not judge %s %s; the answer is passed on unjudged", exchange.method, exchange.path)
            return ()
        self.checked += 1
        violations = tuple(_violation(finding, exchange, url) for finding in findings)
        for violation in violations:
            self.broken[violation["rule"]] += 1
            log.warning(
                "contract violation [%s] on %s %s (namespace %s): %s\n  %s\n  reproduce: %s",
                violation["rule"],
                exchange.method,
                exchange.path,
                exchange.namespace or "none",
                violation["text"],
                "\n  ".join(violation["details"]),
                violation["curl"],
            )
        return violations


def _violation(finding: Finding, exchange: Exchange, url: str) -> dict[str, Any]:
    sent = {name: value for name, value in exchange.headers.items() if name.lower() not in _NOT_FORWARDED}
    return {
        "rule": finding.rule.name,
        "text": finding.rule.text,
        "source": finding.rule.source,
        "details": list(finding.details),
        "request": {
            "method": exchange.method,
            "path": exchange.path,
            "query": dict(exchange.query),
            "namespace": exchange.namespace or None,
        },
        "status": exchange.status,
        "curl": curl(exchange.method, url, sent, exchange.body, "API_KEY"),
    }


def _refused(violations: tuple[dict[str, Any], ...]) -> web.Response:
    """--proxy-strict: the answer the app gets instead of one that breaks the contract."""
    names = ", ".join(dict.fromkeys(v["rule"] for v in violations))
    refusal = BadGateway(
        f"The target's answer breaks the contract: {names} (--proxy-strict)", {"violations": list(violations)}
    )
    return respond(error_body(refusal), refusal.status)


def _unreachable(target: str, exc: BaseException) -> web.Response:
    if isinstance(exc, TimeoutError):
        failure: ApiError = GatewayTimeout(f"The proxy target {target} gave no answer within {TIMEOUT_S:g} s")
    elif isinstance(exc, BadAnswer):
        failure = BadGateway(f"The proxy target {target} answered what is no HTTP answer: {exc}")
    else:
        failure = BadGateway(f"The proxy target {target} could not be reached: {type(exc).__name__}: {exc}")
    return respond(error_body(failure), failure.status)


def _record(app: web.Application, exchange: Exchange) -> None:
    """--record: the records this answer carries, stored (or, for a delete, removed) in the local namespace."""
    if exchange.status != 200 or not exchange.namespace:
        return
    namespace = app[STORE].namespace(exchange.namespace)
    try:
        body = orjson.loads(exchange.answer)
    except orjson.JSONDecodeError:
        return
    if exchange.method == "DELETE":
        interaction_id = exchange.path.rsplit("/", 1)[-1]
        if namespace.table.row(interaction_id) is not None:
            namespace.delete(interaction_id)
        return
    records = body.get("results") if isinstance(body, dict) and "pagination" in body else [body]
    for record in records or []:
        if isinstance(record, dict) and isinstance(record.get("interaction_id"), str) and record["interaction_id"]:
            namespace.add(record)


async def violations(request: web.Request) -> web.Response:
    """GET /_mock/violations: what the proxy has found, counted per rule."""
    proxy = request.config_dict[PROXY]
    return respond(
        proxy.summary() if proxy is not None else {"target": None, "checked": 0, "violations": 0, "rules": {}}
    )
