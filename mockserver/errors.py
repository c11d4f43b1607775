"""Domain errors: each carries what a client needs to fix its request.

Handlers and the query engine raise these; one middleware renders every one of them as
an ``ErrorResponse`` body, so no code path builds error JSON by hand (CONTRACT.md, Errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    """One rejected value, in FastAPI's ``{"loc", "msg", "type"}`` vocabulary."""

    loc: Location
    msg: str
    type: str

    def describe(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.msg}" if where else self.msg


class ApiError(Exception):
    """Base of every error the API answers with; ``status`` and ``error_type`` fix the HTTP side."""

    status: ClassVar[int] = 500
    error_type: ClassVar[str] = "InternalServerError"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(ApiError):
    status = 400
    error_type = "BadRequestError"


class Unauthorized(ApiError):
    status = 401
    error_type = "AuthenticationError"


class Forbidden(ApiError):
    status = 403
    error_type = "ForbiddenError"


class NotFound(ApiError):
    status = 404
    error_type = "NotFoundError"


class NamespaceFull(ApiError):
    status = 507
    error_type = "InsufficientStorageError"


class RateLimited(ApiError):
    status = 429
    error_type = "RateLimitError"


class InjectedServerError(ApiError):
    """A 500 the mock was asked to give (--error-rate, Prefer: code=500), never a real failure."""

    status = 500
    error_type = "InternalServerError"


class ServiceUnavailable(ApiError):
    status = 503
    error_type = "ServiceUnavailableError"


class BadGateway(ApiError):
    """--proxy: the target could not be reached, or (--proxy-strict) its answer broke the contract."""

    status = 502
    error_type = "BadGatewayError"


class GatewayTimeout(ApiError):
    status = 504
    error_type = "GatewayTimeoutError"


class PayloadTooLarge(ApiError):
    status = 413
    error_type = "PayloadTooLargeError"


class ValidationFailed(ApiError):
    """A 422: the request is well-formed HTTP but breaks a rule of the contract."""

    status = 422
    error_type = "ValidationError"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        if not errors:
            raise ValueError("ValidationFailed needs at least one FieldError")
        self.errors = tuple(errors)
        first = self.errors[0].describe()
        more = len(self.errors) - 1
        message = first if not more else f"{first} (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(message, {"validation_errors": [_as_json(e) for e in self.errors]})

    @classmethod
    def at(cls, loc: Location, msg: str, type_: str = "value_error") -> ValidationFailed:
        """The common case of a single problem at one location."""
        return cls([FieldError(loc, msg, type_)])


def _as_json(error: FieldError) -> dict[str, Any]:
    return {"loc": list(error.loc), "msg": error.msg, "type": error.type}


def error_body(error: ApiError) -> dict[str, Any]:
    """The one place an error becomes JSON: an ErrorResponse, plus FastAPI's ``detail`` on a 422."""
    body: dict[str, Any] = {
        "success": False,
        "status": error.status,
        "error": {"message": error.message, "type": error.error_type, "details": error.details},
    }
    if isinstance(error, ValidationFailed):
        body["detail"] = [_as_json(e) for e in error.errors]
    return body


class StartupError(Exception):
    """The server cannot start as configured; the message says what to change."""
