"""Faults for testing clients: latency, random errors, rate limits, and Prism-style ``Prefer``.

Random choices come from a ``random.Random`` seeded with the server's seed, so a test run
that sends the same requests sees the same faults.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from functools import cache

from aiohttp import web

import specs
from mockserver.config import Faults
from mockserver.errors import (
    ApiError,
    BadRequest,
    FieldError,
    Forbidden,
    InjectedServerError,
    NamespaceFull,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    error_body,
)
from mockserver.journal import waited
from mockserver.jsonio import respond

MAX_FORCED_LATENCY_MS = 60_000
STARTED_WITH = "the server's start-up options (--error-rate)"


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FaultState:
    """The faults in force (replaceable at run time) and what they need to remember."""

    faults: Faults
    rng: random.Random
    buckets: dict[str, _Bucket] = field(default_factory=dict)
    # Where the faults in force came from, for the message of an injected error.
    set_by: str = STARTED_WITH

    def replace(self, faults: Faults, set_by: str) -> None:
        """Put ``faults`` in force (rate limits start afresh)."""
        self.faults, self.set_by = faults, set_by
        self.buckets.clear()

    @property
    def armed(self) -> bool:
        """Whether any fault is set: when none is and no Prefer header came, a request skips them all."""
        faults = self.faults
        return faults.latency_ms is not None or bool(faults.error_rate) or faults.rate_limit_per_s is not None

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may send again, or None when this request is within its rate."""
        rate = self.faults.rate_limit_per_s
        if rate is None:
            return None
        now = time.monotonic()
        bucket = self.buckets.setdefault(key, _Bucket(tokens=rate, updated=now))
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / rate))


def _bad_prefer(message: str) -> BadRequest:
    return BadRequest(message, {"header": "Prefer"})


HONOURED = ("code", "latency")


@dataclass(frozen=True)
class Preferences:
    """A Prefer header read: the preferences this mock honours, and the others, as sent."""

    code: int | None = None
    latency: int | None = None
    ignored: tuple[str, ...] = ()

    @property
    def applied(self) -> str:
        return ", ".join(
            f"{name}={value}" for name, value in (("code", self.code), ("latency", self.latency)) if value is not None
        )


# What the request asked for with Prefer, for the answer's headers (RFC 7240's Preference-Applied).
PREFERENCES = web.RequestKey("preferences", Preferences)


def parse_prefer(header: str) -> Preferences:
    """``Prefer: code=429, latency=250; dynamic=true`` → code 429, latency 250, ``dynamic=true`` ignored."""
    found: dict[str, int] = {}
    ignored: list[str] = []
    for part in header.replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name not in HONOURED:
            if part.strip():
                ignored.append(part.strip())
            continue
        try:
            number = int(value.strip().strip('"'))
        except ValueError:
            raise _bad_prefer(f"Prefer {name} must be a whole number, got {value.strip()!r}") from None
        if name == "code" and not 100 <= number <= 599:
            raise _bad_prefer(f"Prefer code must be an HTTP status 100..599, got {number}")
        if name == "latency" and not 0 <= number <= MAX_FORCED_LATENCY_MS:
            raise _bad_prefer(f"Prefer latency must be 0..{MAX_FORCED_LATENCY_MS} ms, got {number}")
        found[name] = number
    return Preferences(found.get("code"), found.get("latency"), tuple(ignored))


def tell_preferences(request: web.Request, response: web.StreamResponse) -> None:
    """Say on the answer which preferences were honoured, and which this mock does not know."""
    preferences = request.get(PREFERENCES)
    if preferences is None:
        return
    if preferences.applied:
        response.headers["Preference-Applied"] = preferences.applied
    if preferences.ignored:
        response.headers["X-Mock-Ignored-Preferences"] = (
            f"{', '.join(preferences.ignored)} (this mock honours {' and '.join(HONOURED)})"
        )


# A forced status answers as a real one of that status would: the same error type and body shape.
_FORCED: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    413: PayloadTooLarge,
    429: RateLimited,
    500: InjectedServerError,
    503: ServiceUnavailable,
    507: NamespaceFull,
}


@cache
def _documented_statuses() -> dict[tuple[str, str], tuple[int, ...]]:
    """The statuses each API operation documents, by (method, path template)."""
    return {
        (method.upper(), path): tuple(sorted(int(status) for status in operation["responses"]))
        for path, operations in specs.bundled_openapi()["paths"].items()
        for method, operation in operations.items()
    }


def _forced(request: web.Request, code: int) -> web.Response | None:
    """The answer ``Prefer: code=N`` forces, or None to answer as usual (a documented success, or no
    operation at this path, which the router then refuses)."""
    route = request.match_info.route
    template = route.resource.canonical if route.resource is not None else None
    documented = _documented_statuses().get((request.method, template or ""))
    if documented is None:
        return None
    if code not in documented:
        listed = ", ".join(map(str, documented))
        raise _bad_prefer(
            f"Prefer code={code}: {request.method} {template} documents only {listed}; force one of those"
        )
    if code < 300:
        return None
    message = f"Forced {code} by the Prefer header"
    error = (
        ValidationFailed([FieldError(("body",), message, "forced")])
        if code == 422
        else _FORCED.get(code, InjectedServerError)(message)
    )
    headers = {"Retry-After": "1"} if code in {429, 503} else None
    return respond(error_body(error), code, headers)


async def injected_fault(state: FaultState, request: web.Request) -> web.Response | None:
    """Wait out any latency asked for, then the response a fault forces on this request, if one does."""
    header = request.headers.get("Prefer")
    prefer = request[PREFERENCES] = parse_prefer(header) if header else Preferences()
    faults = state.faults
    delay_ms = prefer.latency
    if delay_ms is None and faults.latency_ms is not None:
        delay_ms = state.rng.randint(*faults.latency_ms)
    if delay_ms:
        await waited(request, asyncio.sleep(delay_ms / 1000))
    if prefer.code is not None:
        forced = _forced(request, prefer.code)
        if forced is not None:
            return forced
    wait = state.retry_after(request.headers.get("Authorization", ""))
    if wait is not None:
        limited = RateLimited(f"Rate limit of {faults.rate_limit_per_s:g} requests/s exceeded; retry after {wait} s")
        return respond(error_body(limited), limited.status, {"Retry-After": str(wait)})
    if faults.error_rate and state.rng.random() < faults.error_rate:
        injected: ApiError = (ServiceUnavailable if state.rng.random() < 0.5 else InjectedServerError)(
            f"Injected: error rate {faults.error_rate:g}, set by {state.set_by}"
        )
        return respond(error_body(injected), injected.status, {"Retry-After": "1"} if injected.status == 503 else None)
    return None
