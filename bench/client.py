"""A minimal HTTP/1.1 client for the load: one persistent loopback connection per concurrent
worker, a pre-encoded request, the response read by Content-Length (or chunked). It costs the
shared two cores far less than a general client would, so more of them is left to the servers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from bench.instrument import ROWS_HEADER, STATEMENTS_HEADER


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    statements: int
    rows: int
    seconds: float


def encode_request(port: int, path: str, body: bytes, token: str, method: str = "POST") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None

    async def send(self, request: bytes) -> Response:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        started = time.perf_counter()
        self.writer.write(request)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        else:
            body = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        seconds = time.perf_counter() - started
        if headers.get(b"connection", b"").lower() == b"close":
            await self.close()
        return Response(
            status,
            body,
            int(headers.get(STATEMENTS_HEADER, b"-1")),
            int(headers.get(ROWS_HEADER, b"-1")),
            seconds,
        )
