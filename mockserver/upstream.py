"""The verifying proxy's client: one target, kept-alive HTTP/1.1 connections, whole answers.

Not aiohttp's client, by measurement (bench/bench_proxy.py): forwarding a call through
``aiohttp.ClientSession`` cost the proxy about 240 µs of CPU, through these few lines over
asyncio streams about 110 µs, and the proxy's cost per call is what bounds its throughput
next to the target's on a small machine. What the proxy needs is narrow: the API's answers
are whole JSON documents, so an answer is read entirely (by ``Content-Length``, chunks, or
to the end of a closing connection), decoded when the target compressed it anyway, and
handed over with its status and headers. A kept-alive connection the target closed while
idle is met by sending once more on a new one (nothing was answered on it), as browsers do.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

# An answer bigger than this is refused rather than held in memory: the API's largest (a page of
# 1,000 records) is a few MB.
MAX_ANSWER_BYTES = 64 << 20
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class Answer(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class BadAnswer(ValueError):
    """The target's bytes are no HTTP/1.1 answer this client reads."""


class _Closed(ConnectionError):
    """The connection ended before an answer began."""


class Upstream:
    """Where the proxy sends calls, and its idle connections."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or ""
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.port = parts.port or (443 if self.ssl else 80)
        self.prefix = parts.path.rstrip("/")
        self.authority = parts.netloc
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> Answer:
        """Send one call (``target``: path and query, as received) and read its whole answer."""
        lines = [f"{method} {self.prefix}{target} HTTP/1.1", f"Host: {self.authority}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        while True:
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await self._connect()
            try:
                writer.write(head + body)
                answer, keep = await _read_answer(reader, method)
            except _Closed:
                writer.close()
                if reused:
                    continue  # closed by the target while idle: nothing was answered, send again on a new one
                raise
            except BaseException:
                writer.close()
                raise
            if keep:
                self._idle.append((reader, writer))
            else:
                writer.close()
            return answer

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port, ssl=self.ssl, limit=1 << 20)

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


async def _read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """An answer and whether its connection may carry another call (interim 1xx answers skipped)."""
    while True:
        try:
            status_line = await reader.readline()
        except ConnectionError:
            raise _Closed() from None
        if not status_line:
            raise _Closed()
        version, _, rest = status_line.decode("latin-1").partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise BadAnswer(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        headers = await _read_headers(reader)
        status = int(code)
        if status >= 200 or status == 101:
            break
    named = {name.lower(): value for name, value in headers}
    connection = named.get("connection", "").lower()
    keep = (version == "HTTP/1.1" and connection != "close") or connection == "keep-alive"
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in named.get("transfer-encoding", "").lower():
        body = await _read_chunks(reader)
    elif "content-length" in named:
        length = named["content-length"]
        if not length.isdigit() or int(length) > MAX_ANSWER_BYTES:
            raise BadAnswer(f"Content-Length {length!r}: not a length this proxy reads (at most {MAX_ANSWER_BYTES})")
        body = await reader.readexactly(int(length))
    else:
        body = await _read_to_end(reader)
        keep = False
    encoding = named.get("content-encoding", "").lower()
    if encoding in _DECODERS:
        body = _decoded(body, encoding)
        headers = [(name, value) for name, value in headers if name.lower() != "content-encoding"]
    return Answer(status, headers, body), keep


async def _read_headers(reader: asyncio.StreamReader) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise BadAnswer("the answer ended inside its headers")
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise BadAnswer(f"not a header line: {line[:80]!r}")
        headers.append((name.strip(), value.strip()))


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = (await reader.readline()).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise BadAnswer(f"not a chunk size: {size_line[:20]!r}") from None
        if size == 0:
            await _read_headers(reader)  # trailers, if any
            return bytes(body)
        if len(body) + size > MAX_ANSWER_BYTES:
            raise BadAnswer(f"an answer of more than {MAX_ANSWER_BYTES} bytes")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    body = await reader.read(MAX_ANSWER_BYTES + 1)
    while len(body) <= MAX_ANSWER_BYTES and not reader.at_eof():
        more = await reader.read(MAX_ANSWER_BYTES + 1 - len(body))
        body += more
    if len(body) > MAX_ANSWER_BYTES:
        raise BadAnswer(f"an answer of more than {MAX_ANSWER_BYTES} bytes")
    return body


def _decoded(body: bytes, encoding: str) -> bytes:
    try:
        decoder = zlib.decompressobj(_DECODERS[encoding])
        decoded = decoder.decompress(body, MAX_ANSWER_BYTES + 1)
    except zlib.error as exc:
        raise BadAnswer(f"a {encoding} body that does not decode: {exc}") from None
    if len(decoded) > MAX_ANSWER_BYTES:
        raise BadAnswer(f"an answer of more than {MAX_ANSWER_BYTES} bytes once decoded")
    return decoded
