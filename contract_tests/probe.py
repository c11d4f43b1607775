"""One request before any test runs, so that a target that cannot be used is one clear line, not a page of errors.

Standard library only until it sends (the plugin imports this in every pytest session).
"""

from __future__ import annotations

from urllib.parse import urlsplit


def probe(base_url: str, api_key: str, namespace: str, timeout: float) -> str | None:
    """One list request (``limit=1``) with the key and namespace, before any test runs.

    None when the target answers it with anything but 401/403 (the suites judge the answer);
    otherwise what went wrong, in one line naming the URL.
    """
    import http.client

    from contract_tests.target import Target

    target = Target(base_url, api_key, namespace, timeout)
    try:
        exchange = target.list({}, {"limit": 1})
    except (OSError, http.client.HTTPException) as exc:
        return _one_line(f"cannot reach {base_url}: {_unreachable(exc, base_url, timeout)}")
    finally:
        target.close()
    if exchange.status in (401, 403):
        answer = exchange.json()
        error = answer.get("error") if isinstance(answer, dict) else None
        said = error.get("message") if isinstance(error, dict) else None
        detail = f": {str(said)[:200]}" if said else ""
        return _one_line(
            f"{base_url} refused the API key (HTTP {exchange.status} to POST {urlsplit(exchange.url).path}{detail}); "
            "give the right one with --api-key or CONTRACT_API_KEY"
        )
    return None


def _unreachable(exc: BaseException, base_url: str, timeout: float) -> str:
    import http.client
    import socket
    import ssl

    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host {urlsplit(base_url).hostname!r} ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running on that port?)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s (--contract-timeout)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, http.client.HTTPException | ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return f"the answer is not HTTP, or the connection was dropped ({type(exc).__name__}: {exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
