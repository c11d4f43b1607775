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

from aiohttp import web

from mockserver.config import Faults
from mockserver.errors import ApiError, BadRequest, InjectedServerError, RateLimited, ServiceUnavailable, error_body
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


def parse_prefer(header: str) -> dict[str, int]:
    """``Prefer: code=429, latency=250`` → ``{"code": 429, "latency": 250}``; other preferences are ignored."""
    found: dict[str, int] = {}
    for part in header.replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        if name not in {"code", "latency"}:
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
    return found


_FORCED_TYPES = {429: RateLimited, 500: InjectedServerError, 503: ServiceUnavailable}


def _forced(code: int) -> web.Response:
    error_class = _FORCED_TYPES.get(code)
    if error_class is not None:
        error: ApiError = error_class(f"Forced {code} by the Prefer header")
        body = error_body(error)
    else:
        body = {
            "success": False,
            "status": code,
            "error": {"message": f"Forced {code} by the Prefer header", "type": "ForcedResponse", "details": None},
        }
    headers = {"Retry-After": "1"} if code in {429, 503} else None
    return respond(body, code, headers)


async def injected_fault(state: FaultState, request: web.Request) -> web.Response | None:
    """Wait out any latency asked for, then the response a fault forces on this request, if one does."""
    header = request.headers.get("Prefer")
    prefer = parse_prefer(header) if header else {}
    faults = state.faults
    delay_ms = prefer.get("latency")
    if delay_ms is None and faults.latency_ms is not None:
        delay_ms = state.rng.randint(*faults.latency_ms)
    if delay_ms:
        await waited(request, asyncio.sleep(delay_ms / 1000))
    code = prefer.get("code")
    if code is not None and code >= 300:
        return _forced(code)
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
