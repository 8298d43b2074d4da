"""One HTTP/1.1 connection: h11 on a Trio stream, requests read whole, responses sent whole or streamed.

h11 does all the parsing and framing (chunked bodies, keep-alive); this only
moves bytes. While a reply streams, the client is not expected to send
anything: ``watch_close`` reads on, keeping what a pipelining client sent
for the next request, and reports the end of the stream (the client left)
at once, so a reply to nobody stops there and frees what it held.
"""

from __future__ import annotations

import h11
import trio

from .wire import MAX_BODY_BYTES, HttpRequest

RECEIVE_BYTES = 64 * 1024
SERVER_NAME = b"aiway-tui"


class PeerGone(Exception):
    """The client closed the connection, or it broke."""


class BodyTooLarge(Exception):
    pass


class HttpConnection:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.SERVER)
        self._held = bytearray()
        self.peer_closed = False
        """Bytes received while a reply streamed, fed to h11 before the next request."""

    async def _receive(self) -> None:
        if self._held:
            data = bytes(self._held)
            self._held.clear()
        else:
            try:
                data = await self.stream.receive_some(RECEIVE_BYTES)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
        self.conn.receive_data(data)

    async def next_request(self) -> HttpRequest | None:
        """The next request, whole; ``None`` when the client closed the connection.

        Raises ``h11.RemoteProtocolError`` on bytes that are not HTTP, and
        ``BodyTooLarge``.
        """
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                await self._receive()
            elif event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                return None
            elif isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > MAX_BODY_BYTES:
                    raise BodyTooLarge(f"request body over {MAX_BODY_BYTES} bytes")
            elif isinstance(event, h11.EndOfMessage):
                assert head is not None
                target = head.target.decode("latin-1")
                headers = {
                    name.decode("latin-1").lower(): value.decode("latin-1") for name, value in head.headers
                }
                return HttpRequest(
                    head.method.decode("latin-1"), target.split("?", 1)[0], headers, bytes(body)
                )

    @property
    def can_respond(self) -> bool:
        return self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE)

    async def _send(self, event: h11.Event) -> None:
        data = self.conn.send(event)
        if data:
            try:
                await self.stream.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                raise PeerGone(str(exc)) from None

    async def send_head(
        self,
        status: int,
        content_type: str,
        length: int | None = None,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        headers = [(b"content-type", content_type.encode()), (b"server", SERVER_NAME)]
        if length is not None:
            headers.append((b"content-length", str(length).encode()))
        if content_type.startswith("text/event-stream"):
            headers.append((b"cache-control", b"no-cache"))
        headers += [(name.encode(), value.encode()) for name, value in extra]
        await self._send(h11.Response(status_code=status, headers=headers))

    async def send_data(self, data: bytes) -> int:
        """Send part of the body; returns the bytes it put on the wire (framing included)."""
        frame = self.conn.send(h11.Data(data=data))
        if frame:
            try:
                await self.stream.send_all(frame)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                raise PeerGone(str(exc)) from None
            return len(frame)
        return 0

    async def end(self) -> None:
        await self._send(h11.EndOfMessage())

    async def send_whole(
        self, status: int, content_type: str, body: bytes, extra: tuple[tuple[str, str], ...] = (),
        head_only: bool = False,
    ) -> None:  # fmt: skip
        await self.send_head(status, content_type, len(body), extra)
        if body and not head_only:
            await self.send_data(body)
        await self.end()

    @property
    def keep_open(self) -> bool:
        return self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE

    async def watch_close(self, on_close: trio.CancelScope) -> None:
        """Until the client closes: then cancel ``on_close`` (the reply streaming to it)."""
        while True:
            try:
                data = await self.stream.receive_some(RECEIVE_BYTES)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            if not data:
                self.peer_closed = True
                on_close.cancel()
                return
            self._held += data

    async def close(self) -> None:
        with trio.move_on_after(1) as scope:
            scope.shield = True
            await self.stream.aclose()
