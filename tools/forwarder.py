"""A TCP forwarder for tests: take it down and bring it back, and the database or the broker
vanishes as one service sees it, while the real server (which other tests share) keeps
running. Given several upstreams it is a small load balancer, as a cluster's clients use one:
each connection goes to the first node that accepts it."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit

from tools.sandbox import free_port


class Forwarder:
    """Listens on its own port and forwards to an upstream (``host:port``) while up; when
    down, connecting is refused and every open connection has been cut."""

    def __init__(self, *upstreams: str) -> None:
        self._upstreams = [
            (host, int(port)) for host, port in (u.rsplit(":", 1) for u in upstreams)
        ]
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def url(self, url: str) -> str:
        """``url`` (a DSN or an AMQP URL for the upstream) going through this forwarder."""
        parts = urlsplit(url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    async def up(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._forward, "127.0.0.1", self.port, reuse_address=True
            )

    async def down(self) -> None:
        """Refuse new connections and cut the open ones, as a crash or a cable would."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _forward(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        upstream = await self._connect()
        if upstream is None:
            client_out.transport.abort()
            return
        server_in, server_out = upstream
        self._open.update((client_out, server_out))
        try:
            await asyncio.gather(_pipe(client_in, server_out), _pipe(server_in, client_out))
        finally:
            for writer in (client_out, server_out):
                self._open.discard(writer)
                writer.transport.abort()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for upstream in self._upstreams:
            with contextlib.suppress(OSError):
                return await asyncio.open_connection(*upstream)
        return None


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    sink.transport.abort()
