"""One HTTP answer read whole, within a deadline and a size cap, before anyone looks at it.

httpx's own timeout is per read: a server that trickles a byte a second never trips it, and its
decoders inflate a gzip chunk in one call (a bomb of zeros: gigabytes). So the whole exchange
(connect, headers, every body byte) runs under one ``asyncio.timeout``, the raw body is read
chunk by chunk and counted, and gzip/deflate are inflated here with a bounded output per call.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

MAX_BODY = 16 * 2**20  # a 100-account page is well under 1 MB
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    """The body (as sent, or once inflated) is larger than the cap."""


class BadEncoding(Exception):
    """A content encoding we did not ask for, or a compressed body that does not inflate."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    content: bytes


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    params: Mapping[str, str],
    *,
    timeout: float,
    max_body: int = MAX_BODY,
    on_send: Callable[[], None] | None = None,
) -> Answer:
    """GET ``url``; ``TimeoutError`` when the whole answer is not in within ``timeout``.
    ``on_send`` is called just before the request's first byte is written (after any connect)."""
    extensions = {} if on_send is None else {"trace": _tracer(on_send)}
    request = client.stream("GET", url, params=params, extensions=extensions)
    async with asyncio.timeout(timeout), request as response:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_body:
            raise BodyTooLarge(f"announced {int(length)} bytes")
        if response.is_stream_consumed:  # built whole by the transport (a test's mock): in memory
            if len(response.content) > max_body:
                raise BodyTooLarge(f"more than {max_body} bytes")
            return Answer(response.status_code, response.headers, response.content)
        inflate = _inflater(response.headers.get("content-encoding", ""))
        chunks: list[bytes] = []
        raw_size = size = 0
        async for raw in response.aiter_raw():
            raw_size += len(raw)
            if raw_size > max_body:
                raise BodyTooLarge(f"more than {max_body} bytes sent")
            data = raw if inflate is None else _inflate(inflate, raw, max_body - size)
            size += len(data)
            chunks.append(data)
        if inflate is not None:
            if not inflate.eof or inflate.unused_data:
                raise BadEncoding("the compressed body is cut short or followed by more data")
            tail = inflate.flush()
            if size + len(tail) > max_body:
                raise BodyTooLarge(f"more than {max_body} bytes once inflated")
            chunks.append(tail)
        return Answer(response.status_code, response.headers, b"".join(chunks))


def _tracer(on_send: Callable[[], None]) -> Callable[[str, Any], Any]:
    """An httpcore trace hook that calls ``on_send`` when the request headers start going out."""

    async def trace(event: str, info: Any) -> None:
        if event.endswith("send_request_headers.started"):  # http11. or http2.
            on_send()

    return trace


def _inflater(encoding: str) -> zlib._Decompress | None:
    kind = encoding.strip().lower()
    if kind in ("", "identity"):
        return None
    if kind in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    raise BadEncoding(f"content encoding {kind[:40]!r}, which was not asked for")


def _inflate(inflater: zlib._Decompress, data: bytes, room: int) -> bytes:
    """At most ``room`` bytes out of ``data``; more means the body is too large."""
    try:
        out = inflater.decompress(data, room + 1)
    except zlib.error as exc:
        raise BadEncoding(f"compressed body does not inflate ({exc})") from None
    if len(out) > room or inflater.unconsumed_tail:
        raise BodyTooLarge("more than the cap once inflated")
    return out
