"""Slow clients: uvicorn's HTTP/1.1 connections with a deadline for request headers.

Invariant: a connection's request headers must all have arrived within
``HeaderDeadline.header_seconds`` of the connection opening (or of the previous response on
a kept-alive connection), or the connection is closed. Uvicorn itself has no such timeout:
its keep-alive timer is cancelled by any byte, so a client dripping a header line every few
seconds held its connection for ever, and 200 of them (``limit_concurrency``) made every
other request a 503. Request *bodies* are bounded by their cap (server/web/bodies.py) and,
in deployment, by the proxy's ``client_body_timeout`` (deploy/nginx.conf).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0  # as nginx's client_header_timeout in deploy/nginx.conf


class HeaderDeadline(H11Protocol):
    header_seconds = HEADER_SECONDS

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for = self.cycle
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._waiting_for = self.cycle  # a new cycle means the next headers have arrived
        self._deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def handle_events(self) -> None:
        super().handle_events()
        if self._deadline is not None and self.cycle is not self._waiting_for:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
