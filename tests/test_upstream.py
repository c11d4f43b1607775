"""The proxy's client (mockserver/upstream.py) reads every way an HTTP/1.1 server may frame an answer, and says
clearly when the bytes are no answer; a kept-alive connection the target closed is met by sending again."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from mockserver.upstream import MAX_ANSWER_BYTES, BadAnswer, Upstream

Reply = Callable[[bytes], bytes | None]  # the request's head -> the bytes to answer (None: close the connection)


@asynccontextmanager
async def raw_server(reply: Reply, close_after: int | None = None) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server that answers each request with ``reply``'s bytes, closing after ``close_after`` answers."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = 0
        while True:
            head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
            if not head:
                break
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            seen.append(head + await reader.readexactly(length))
            answer = reply(head)
            if answer is None:
                break
            writer.write(answer)
            await writer.drain()
            answered += 1
            if close_after is not None and answered >= close_after:
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()


def fixed(status: str, headers: list[str], body: bytes) -> Reply:
    return lambda head: (f"HTTP/1.1 {status}\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n").encode() + body


async def test_a_sized_answer_and_a_kept_connection() -> None:
    async with raw_server(fixed("200 OK", ["Content-Length: 2", "X-Extra: yes"], b"{}")) as (url, seen):
        upstream = Upstream(url + "/base")
        first = await upstream.request("POST", "/v1/x?a=1", [("X-Namespace", "n")], b'{"k": 1}')
        second = await upstream.request("GET", "/v1/y", [], b"")
        upstream.close()
    assert first.status == 200 and first.body == b"{}" and ("X-Extra", "yes") in first.headers
    assert second.body == b"{}"
    assert seen[0].startswith(b"POST /base/v1/x?a=1 HTTP/1.1\r\nHost: 127.0.0.1:") and seen[0].endswith(b'{"k": 1}')
    assert b"X-Namespace: n\r\n" in seen[0] and b"Content-Length: 8\r\n" in seen[0]
    assert seen[1].startswith(b"GET /base/v1/y HTTP/1.1") and b"Content-Length" not in seen[1]


async def test_chunks_compression_and_an_answer_to_the_end() -> None:
    chunked = fixed("200 OK", ["Transfer-Encoding: chunked"], b"3\r\nabc\r\n2;x=1\r\nde\r\n0\r\nTrailer: t\r\n\r\n")
    zipped = fixed(
        "200 OK", [f"Content-Length: {len(gzip.compress(b'[1]'))}", "Content-Encoding: gzip"], gzip.compress(b"[1]")
    )
    to_the_end = fixed("200 OK", ["Connection: close"], b"all of it")
    for reply, body in ((chunked, b"abcde"), (zipped, b"[1]"), (to_the_end, b"all of it")):
        async with raw_server(reply, close_after=1 if reply is to_the_end else None) as (url, _):
            upstream = Upstream(url)
            answer = await upstream.request("GET", "/", [], b"")
            upstream.close()
        assert answer.body == body
        assert all(name.lower() != "content-encoding" for name, _ in answer.headers)


async def test_interim_answers_are_skipped_and_bodiless_statuses_read_no_body() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
    async with raw_server(lambda head: interim) as (url, _):
        upstream = Upstream(url)
        answer = await upstream.request("DELETE", "/x", [], b"")
        upstream.close()
    assert answer.status == 204 and answer.body == b""


async def test_a_connection_closed_while_idle_is_met_by_sending_again() -> None:
    async with raw_server(fixed("200 OK", ["Content-Length: 1"], b"1"), close_after=1) as (url, seen):
        upstream = Upstream(url)
        await upstream.request("GET", "/a", [], b"")
        await asyncio.sleep(0)  # let the server's close arrive
        again = await upstream.request("GET", "/b", [], b"")
        upstream.close()
    assert again.body == b"1" and [s.split(b" ")[1] for s in seen] == [b"/a", b"/b"]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"SMTP ready\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "not a header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not a length this proxy reads"),
        (f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_ANSWER_BYTES + 1}\r\n\r\n".encode(), "not a length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not a chunk size"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Encoding: gzip\r\n\r\nabc", "does not decode"),
    ],
)
async def test_bytes_that_are_no_answer_are_named(raw: bytes, words: str) -> None:
    async with raw_server(lambda head: raw) as (url, _):
        upstream = Upstream(url)
        with pytest.raises(BadAnswer, match=words):
            await upstream.request("GET", "/", [], b"")
        upstream.close()


async def test_a_target_that_closes_without_answering_is_a_connection_error() -> None:
    async with raw_server(lambda head: None) as (url, _):
        upstream = Upstream(url)
        with pytest.raises(ConnectionError):
            await upstream.request("GET", "/", [], b"")
        upstream.close()
