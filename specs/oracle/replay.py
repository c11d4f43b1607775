"""A broken rule's request as a command a person can paste into a shell: what every report of one ends with."""

from __future__ import annotations

import shlex
from collections.abc import Mapping


def curl(method: str, url: str, headers: Mapping[str, str], body: bytes | None, api_key_env: str | None) -> str:
    """A command that sends the same request again; a bearer key is left to the shell variable ``api_key_env``
    (when given), so that the real key stays out of logs."""
    parts = ["curl", "-sS", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        if name.lower() == "authorization" and api_key_env and value.startswith("Bearer "):
            parts += ["-H", f'"Authorization: Bearer ${api_key_env}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-raw", shlex.quote(body.decode("utf-8", errors="replace"))]
    return " ".join(parts)
