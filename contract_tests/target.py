"""The implementation under test, spoken to over HTTP, with every exchange kept for the report.

A failure report must let a person replay the request by hand, so each call returns an
:class:`Exchange` that can render itself as a ``curl`` command and show the answer.
The client keeps one connection alive (a remote target behind TLS would otherwise pay a
handshake per request) and uses only the standard library, so the suites need nothing
the implementation under test does not.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import specs
from specs.oracle.replay import curl

API = "/v1/retrievers/interactions"
BODY_PREVIEW_CHARS = 1500
_UNSET: Any = object()


@dataclass(frozen=True)
class Exchange:
    """One request and the answer to it, as sent and received."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes
    api_key_env: str | None = None
    # The contract the answer is judged by (``--api-version``).
    api_version: str = specs.SEED_VERSION

    @property
    def operation(self) -> str:
        """``METHOD /path (operationId)`` from the OpenAPI document, so a report names the operation."""
        path = urlsplit(self.url).path
        return f"{self.method} {path} ({operation_id(self.method, path)})"

    def json(self) -> Any:
        """The decoded body, or ``None`` when it is not JSON (a check then says so)."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def curl(self) -> str:
        """A command that sends the same request again from a shell."""
        return curl(self.method, self.url, self.headers, self.body, self.api_key_env)

    def response_preview(self) -> str:
        """Status line and body, cut to a readable length."""
        text = self.response_body.decode("utf-8", errors="replace")
        if len(text) > BODY_PREVIEW_CHARS:
            text = f"{text[:BODY_PREVIEW_CHARS]}… ({len(self.response_body)} bytes in all)"
        content_type = self.response_headers.get("Content-Type", "no Content-Type")
        return f"HTTP {self.status} ({content_type})\n{text}"


@dataclass
class Target:
    """Where the implementation listens and how to authenticate, plus a reusable connection."""

    base_url: str
    api_key: str
    namespace: str
    timeout: float = 30.0
    api_key_env: str | None = None
    api_version: str = specs.SEED_VERSION
    _connection: http.client.HTTPConnection | None = field(default=None, repr=False)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _UNSET,
        query: Mapping[str, Any] | None = None,
        namespace: str | None = _UNSET,
        authorization: str | None = _UNSET,
    ) -> Exchange:
        """Send one request. ``namespace``/``authorization`` of ``None`` leave that header out."""
        headers: dict[str, str] = {"Accept": "application/json"}
        auth = f"Bearer {self.api_key}" if authorization is _UNSET else authorization
        if auth is not None:
            headers["Authorization"] = auth
        name = self.namespace if namespace is _UNSET else namespace
        if name is not None:
            headers["X-Namespace"] = name
        body = None
        if json_body is not _UNSET:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        relative = path if not query else f"{path}?{urlencode(query)}"
        url = urljoin(self.base_url.rstrip("/") + "/", relative.lstrip("/"))
        status, response_headers, payload = self._send(method, url, headers, body)
        return Exchange(
            method, url, headers, body, status, response_headers, payload, self.api_key_env, self.api_version
        )

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                return response.status, dict(response.getheaders()), payload
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server already closed: nothing was processed, send again.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            parts = urlsplit(self.base_url)
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            self._connection = kind(parts.netloc, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # The operations, in the API's own words.

    def create(self, interaction: Any, **options: Any) -> Exchange:
        return self.request("POST", API, json_body=interaction, **options)

    def create_batch(self, interactions: list[Any], **options: Any) -> Exchange:
        return self.request("POST", f"{API}/batch", json_body={"interactions": interactions}, **options)

    def list(self, body: Any, query: Mapping[str, Any] | None = None, **options: Any) -> Exchange:
        return self.request("POST", f"{API}/list", json_body=body, query=query, **options)

    def follow(self, relative_url: str, body: Any, **options: Any) -> Exchange:
        """Request a ``next_page``/``previous_page`` link with the same list body (the body is not in links)."""
        return self.request("POST", relative_url, json_body=body, **options)

    def get(self, interaction_id: str, **options: Any) -> Exchange:
        return self.request("GET", f"{API}/{interaction_id}", **options)

    def delete(self, interaction_id: str, **options: Any) -> Exchange:
        return self.request("DELETE", f"{API}/{interaction_id}", **options)


def operation_id(method: str, path: str) -> str:
    """The operationId whose path template matches ``path`` (literal segments win over parameters)."""
    segments = path.rstrip("/").split("/")
    best: tuple[int, str] = (-1, "unknown operation")
    for template, item in specs.bundled_openapi()["paths"].items():
        operation = item.get(method.lower())
        template_segments = template.split("/")
        if not isinstance(operation, dict) or len(template_segments) != len(segments):
            continue
        literal = 0
        for expected, actual in zip(template_segments, segments, strict=True):
            if expected.startswith("{"):
                continue
            if expected != actual:
                break
            literal += 1
        else:
            best = max(best, (literal, str(operation.get("operationId"))))
    return best[1]
