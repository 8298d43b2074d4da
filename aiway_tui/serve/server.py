"""The server loop: connections on loopback, a request at a time each, replies streamed as they are due.

Every reply runs in its own nursery: the conductor (and network) that make
it, and a watcher of the client's side of the connection. When the client
leaves, the watcher cancels the reply at once, so a reply to nobody (a
stalled one included) holds nothing. Whatever goes wrong in one connection
stays there: the server answers, or closes that connection, and goes on.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable
from operator import attrgetter
from typing import cast

import h11
import trio

from ..core.faults import CONDUCTOR_RAISED, FaultKind
from ..core.protocol import Item, StreamEnd, StreamError, Token, TokenRun
from .catalogue import ModelCatalogue
from .counts import Outcome, RequestRecord, ServerCounts
from .h11_conn import BodyTooLarge, HttpConnection, PeerGone
from .markers import MarkerLog
from .reply import ReplySource
from .router import ReplyPlan, Router
from .wire import HttpRequest, ReplyEncoder, ReplyStats, WholeResponse, dumps

LOOPBACK = "127.0.0.1"
IDLE_TIMEOUT_S = 300.0
"""A kept-alive connection with no request for this long is closed."""
REQUEST_TIMEOUT_S = 30.0
"""A request must arrive whole within this long once its first byte has (no slow-loris)."""
MAX_WHOLE_CHARS = 64 * 1024 * 1024
"""Most text a reply that is not streamed may carry (it is held until the end)."""

_TEXT = attrgetter("text")
_SCHEDULED = attrgetter("scheduled")


class MockServer:
    """The conductor's replies over HTTP, with counts of everything sent."""

    def __init__(
        self,
        catalogue: ModelCatalogue,
        markers: MarkerLog | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.router = Router(catalogue)
        self.counts = ServerCounts()
        self.markers = markers
        self.log = log
        self.port = 0
        self._numbers = itertools.count()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def serve(
        self, port: int = 0, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Listen on loopback (``port`` 0: a free one) and serve until cancelled."""
        listeners = await trio.open_tcp_listeners(port, host=LOOPBACK)
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started(self.port)
        await trio.serve_listeners(self._connection, listeners)

    async def _connection(self, stream: trio.SocketStream) -> None:
        self.counts.connections += 1
        conn = HttpConnection(stream)
        try:
            while True:
                request = await self._next_request(conn)
                if request is None:
                    return
                self.counts.requests += 1
                if not await self._respond(conn, request) or not conn.keep_open:
                    return
        except PeerGone:
            return
        except Exception:
            self.counts.by_outcome[Outcome.SERVER_ERROR] += 1
            if self.log is not None:
                self.log("internal error: " + traceback.format_exc().strip().splitlines()[-1])
        finally:
            await conn.close()

    async def _next_request(self, conn: HttpConnection) -> HttpRequest | None:
        try:
            with trio.fail_after(IDLE_TIMEOUT_S):
                return await conn.next_request()
        except trio.TooSlowError:
            return None
        except (h11.RemoteProtocolError, BodyTooLarge) as exc:
            status = 413 if isinstance(exc, BodyTooLarge) else 400
            self.counts.reject(status)
            if conn.can_respond:
                with trio.move_on_after(REQUEST_TIMEOUT_S):
                    body = dumps({"error": f"bad HTTP request: {exc}"})
                    await conn.send_whole(status, "application/json", body)
            return None

    async def _respond(self, conn: HttpConnection, request: HttpRequest) -> bool:
        """Answer one request; whether the connection may serve another."""
        routed = self.router.route(request)
        if isinstance(routed, WholeResponse):
            if routed.status >= 400:
                self.counts.reject(routed.status)
            await conn.send_whole(
                routed.status, routed.content_type, routed.body, routed.headers, request.method == "HEAD"
            )
            self._note(f"{request.method} {request.path} {routed.status}")
            return True
        return await self._reply(conn, routed)

    def _note(self, line: str) -> None:
        if self.log is not None:
            self.log(line)

    async def _reply(self, conn: HttpConnection, plan: ReplyPlan) -> bool:
        pick, encoder = plan.pick, plan.encoder
        source = ReplySource(pick.config, pick.stream)
        record = RequestRecord(
            number=next(self._numbers),
            protocol=encoder.protocol,
            endpoint=encoder.endpoint,
            model=encoder.model,
            scenario=pick.scenario.name,
            stream=pick.stream,
            expected_tokens=source.expected_tokens,
            started_at=trio.current_time(),
            streaming=encoder.streaming,
            stalled=source.fault is FaultKind.SILENT,
        )
        self.counts.start(record)
        ending: list[tuple[Outcome, str]] = [(Outcome.SERVER_ERROR, "server stopped")]
        """How the reply ended, known once it is sent (the server may stop while it cleans up)."""
        try:
            await self._play(conn, source, encoder, record, ending)
        except PeerGone:
            ending[0] = (Outcome.CLIENT_LEFT, "the connection broke")
        except Exception as exc:
            ending[0] = (Outcome.SERVER_ERROR, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            outcome, detail = ending[0]
            self.counts.finish(record, outcome, detail)
            self._note(
                f"{encoder.endpoint} {record.model} -> {record.scenario} stream {record.stream}: "
                f"{outcome.value}, {record.tokens_sent:,} of {record.expected_tokens:,} tokens "
                f"in {record.duration_s:.2f} s"
            )
        return outcome in (Outcome.COMPLETED, Outcome.ERROR_SENT)

    async def _play(
        self,
        conn: HttpConnection,
        source: ReplySource,
        encoder: ReplyEncoder,
        record: RequestRecord,
        ending: list[tuple[Outcome, str]],
    ) -> None:
        if not encoder.streaming:
            size = max(source.config.mix.sizes) if source.config.mix else source.config.message_size
            if size * source.expected_tokens > MAX_WHOLE_CHARS:
                error = encoder.whole_error(
                    f"a reply of {source.expected_tokens:,} tokens is too long to send whole: stream it"
                )
                await conn.send_whole(error.status, error.content_type, error.body)
                ending[0] = (Outcome.ERROR_SENT, "too long to send whole")
                return
        ending[0] = (Outcome.CLIENT_LEFT, "the client closed the connection")
        async with trio.open_nursery() as nursery:
            watch = trio.CancelScope()
            nursery.start_soon(self._watch, conn, watch, nursery.cancel_scope)
            receive = source.start(nursery)
            ending[0] = await self._pump(conn, receive, encoder, record)
            watch.cancel()  # the reply is complete: a close from now on is no early leave
            nursery.cancel_scope.cancel()

    async def _watch(self, conn: HttpConnection, watch: trio.CancelScope, reply: trio.CancelScope) -> None:
        """Cancel ``reply`` as soon as the client closes, unless ``watch`` was cancelled first."""
        with watch:
            await conn.wait_closed()
            reply.cancel()

    def _stats(self, record: RequestRecord, encoder: ReplyEncoder) -> ReplyStats:
        now = trio.current_time()
        first = record.first_token_at if record.first_token_at is not None else now
        last = record.last_token_at if record.last_token_at is not None else now
        return ReplyStats(
            prompt_tokens=encoder.prompt_tokens,
            completion_tokens=record.tokens_sent,
            total_ns=max(1, int((now - record.started_at) * 1e9)),
            prompt_ns=max(1, int((first - record.started_at) * 1e9)),
            eval_ns=max(1, int((last - first) * 1e9)),
            crc32=record.crc32,
        )

    async def _pump(
        self,
        conn: HttpConnection,
        receive: trio.MemoryReceiveChannel[Item],
        encoder: ReplyEncoder,
        record: RequestRecord,
    ) -> tuple[Outcome, str]:
        streaming = encoder.streaming
        parts: list[str] = []
        markers = self.markers
        if streaming:
            await conn.send_head(200, encoder.content_type)
            head = encoder.head()
            if head:
                record.bytes_sent += await conn.send_data(head)
        with receive:  # not ``async with``: its checkpoint would take a finished reply for a cancelled one
            async for item in receive:
                batch = _token_batch(item)
                if batch is not None:  # the conductor sends tokens in items of their own
                    texts, first_seq, scheduled = batch
                    if markers is not None:
                        markers.substitute(record.number, texts, first_seq, scheduled())
                    record.add_tokens(texts, first_seq, first_seq + len(texts) - 1, trio.current_time())
                    if streaming:
                        record.bytes_sent += await conn.send_data(encoder.tokens(texts))
                    else:
                        parts += texts
                    continue
                for message in item:
                    if isinstance(message, StreamEnd):
                        record.conductor_checksum = message.checksum if markers is None else None
                        stats = self._stats(record, encoder)
                        if streaming:
                            record.bytes_sent += await conn.finish(encoder.done(stats))
                        else:
                            whole = encoder.whole("".join(parts), stats)
                            record.bytes_sent += await conn.send_whole(
                                whole.status, whole.content_type, whole.body
                            )
                        return Outcome.COMPLETED, ""
                    if isinstance(message, StreamError):
                        if message.error.startswith(CONDUCTOR_RAISED):
                            return Outcome.DROPPED, message.error
                        if streaming:
                            record.bytes_sent += await conn.finish(encoder.error(message.error))
                        else:
                            error = encoder.whole_error(message.error)
                            await conn.send_whole(error.status, error.content_type, error.body)
                        return Outcome.ERROR_SENT, message.error
        return Outcome.SERVER_ERROR, "the conductor ended the reply without StreamEnd"


def _token_batch(item: Item) -> tuple[list[str], int, Callable[[], list[float]]] | None:
    """An item of tokens as their texts, the first one's sequence number and (on
    demand: only markers need them) their scheduled times; ``None`` for any other item."""
    first = item[0]
    if isinstance(first, TokenRun):
        run = first
        return run.texts(), run.seq, run.scheduled_times
    if first.__class__ is Token:
        tokens = cast("tuple[Token, ...]", item)
        return list(map(_TEXT, tokens)), tokens[0].seq, lambda: list(map(_SCHEDULED, tokens))
    return None
