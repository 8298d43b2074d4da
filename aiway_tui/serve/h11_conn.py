"""One HTTP/1.1 connection: h11 on a Trio stream, requests read whole, responses sent whole or streamed.

h11 does all the parsing and framing (chunked bodies, keep-alive); this only
moves bytes. While a reply streams, the client is not expected to send
anything: ``wait_closed`` reads on, keeping what a pipelining client sent
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

    def _head(
        self, status: int, content_type: str, length: int | None, extra: tuple[tuple[str, str], ...]
    ) -> bytes:
        headers = [(b"content-type", content_type.encode()), (b"server", SERVER_NAME)]
        if length is not None:
            headers.append((b"content-length", str(length).encode()))
        if content_type.startswith("text/event-stream"):
            headers.append((b"cache-control", b"no-cache"))
        headers += [(name.encode(), value.encode()) for name, value in extra]
        return self.conn.send(h11.Response(status_code=status, headers=headers)) or b""

    async def send_head(self, status: int, content_type: str) -> None:
        """The head of a streamed response (chunked: its length is not known)."""
        await self._write(self._head(status, content_type, None, ()))

    async def _write(self, data: bytes) -> int:
        try:
            await self.stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise PeerGone(str(exc)) from None
        return len(data)

    async def send_data(self, data: bytes) -> int:
        """Send part of the body; returns the bytes it put on the wire (framing included)."""
        return await self._write(self.conn.send(h11.Data(data=data)) or b"")

    async def finish(self, data: bytes) -> int:
        """The last part of a streamed body and its end, in one write.

        One write, so that a client that has read the last part and closes
        at once cannot leave the server halfway through the ending.
        """
        frame = (self.conn.send(h11.Data(data=data)) or b"") + (self.conn.send(h11.EndOfMessage()) or b"")
        return await self._write(frame)

    async def send_whole(
        self, status: int, content_type: str, body: bytes, extra: tuple[tuple[str, str], ...] = (),
        head_only: bool = False,
    ) -> int:  # fmt: skip
        """A whole response in one write; returns its bytes."""
        frame = self._head(status, content_type, len(body), extra)
        if body and not head_only:
            frame += self.conn.send(h11.Data(data=body)) or b""
        frame += self.conn.send(h11.EndOfMessage()) or b""
        return await self._write(frame)

    @property
    def keep_open(self) -> bool:
        return self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE

    async def wait_closed(self) -> None:
        """Return when the client closes its side; what it sends meanwhile is kept for h11."""
        while True:
            try:
                data = await self.stream.receive_some(RECEIVE_BYTES)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            if not data:
                self.peer_closed = True
                return
            self._held += data

    async def close(self) -> None:
        with trio.move_on_after(1) as scope:
            scope.shield = True
            await self.stream.aclose()
