"""One outgoing link: the bounded send queue and the dialer loop that owns the connection."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque

from jadechain.p2p import handshake
from jadechain.p2p.frames import HEADER, PING, close_writer, set_nodelay
from jadechain.p2p.handshake import HandshakeError, Identity
from jadechain.p2p.settings import Counters, PeerInfo, TransportSettings

log = logging.getLogger(__name__)

BATCH_BYTES = 4 * 1024 * 1024  # frames joined into one socket write before draining
_random = secrets.SystemRandom()


class LinkClosedError(Exception):
    """The peer sent data on our send-only connection or the connection went silent."""


class OutboundLink:
    """Dials one peer, keeps reconnecting, and feeds it the queued frames in order."""

    def __init__(
        self, peer: PeerInfo, me: Identity, settings: TransportSettings, counters: Counters
    ) -> None:
        self.peer = peer
        self.up = False
        self._me = me
        self._settings = settings
        self._counters = counters
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._wake = asyncio.Event()

    def offer(self, payload: bytes) -> bool:
        """Queue a payload unless the queue is full (then drop it and count it)."""
        settings = self._settings
        if (
            len(self._queue) >= settings.send_queue_frames_max
            or self._queued_bytes + len(payload) > settings.send_queue_bytes_max
        ):
            self._counters.frames_dropped += 1
            return False
        self._queue.append(payload)
        self._queued_bytes += len(payload)
        self._wake.set()
        return True

    async def run(self) -> None:
        """Connect, authenticate, send; on any failure back off and start again. Runs until
        cancelled."""
        delay = self._settings.backoff_initial_s
        while True:
            try:
                if await self._session():
                    delay = self._settings.backoff_initial_s
            except Exception:
                log.exception("unexpected error on the link to %s", self.peer.node_id)
            finally:
                self.up = False
            await asyncio.sleep(delay / 2 + _random.uniform(0, delay / 2))
            delay = min(delay * 2, self._settings.backoff_max_s)

    async def _session(self) -> bool:
        """One connection's life; True when it got past the handshake."""
        peer = self.peer
        try:
            async with asyncio.timeout(self._settings.connect_timeout_s):
                reader, writer = await asyncio.open_connection(peer.host, peer.port)
        except (OSError, TimeoutError) as error:
            log.debug("cannot reach %s at %s:%d: %s", peer.node_id, peer.host, peer.port, error)
            return False
        try:
            set_nodelay(writer)
            try:
                await handshake.dial(
                    reader,
                    writer,
                    self._me,
                    peer.node_id,
                    peer.public_key,
                    self._settings.handshake_timeout_s,
                )
            except HandshakeError as error:
                count_failure(self._counters, error)
                log.warning("handshake with %s failed: %s", peer.node_id, error.reason)
                return False
            log.info("link to %s up (%s:%d)", peer.node_id, peer.host, peer.port)
            self.up = True
            await self._serve(reader, writer)
            return True
        finally:
            await close_writer(writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks = [asyncio.create_task(self._pump(writer)), asyncio.create_task(_watch(reader))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                error = task.exception()
                if error is not None and not isinstance(error, OSError | LinkClosedError):
                    raise error
                log.info("link to %s down: %s", self.peer.node_id, error or "closed by the peer")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _pump(self, writer: asyncio.StreamWriter) -> None:
        keepalive = self._settings.keepalive_s
        while True:
            if not self._queue:
                self._wake.clear()
                try:
                    async with asyncio.timeout(keepalive):
                        await self._wake.wait()
                except TimeoutError:
                    writer.write(PING)
                    await self._drain(writer)
                    continue
            writer.write(self._take_batch())
            await self._drain(writer)

    async def _drain(self, writer: asyncio.StreamWriter) -> None:
        silence = self._settings.silence_s
        try:
            async with asyncio.timeout(silence):
                await writer.drain()
        except TimeoutError:
            raise LinkClosedError(f"the peer read nothing for {silence} s") from None

    def _take_batch(self) -> bytes:
        parts: list[bytes] = []
        size = 0
        queue = self._queue
        while queue and size < BATCH_BYTES:
            payload = queue.popleft()
            parts.append(HEADER.pack(len(payload)))
            parts.append(payload)
            size += len(payload)
        self._queued_bytes -= size
        self._counters.frames_sent += len(parts) // 2
        self._counters.bytes_sent += size
        return b"".join(parts)


async def _watch(reader: asyncio.StreamReader) -> None:
    """Return when the peer closes our send-only connection; it must never send on it."""
    if await reader.read(1):
        raise LinkClosedError("the peer sent data on a send-only link")


def count_failure(counters: Counters, error: HandshakeError) -> None:
    counters.handshakes_rejected += 1
    if error.failure is handshake.Failure.OVERSIZE:
        counters.closed_oversize += 1
    elif error.failure is handshake.Failure.GARBAGE:
        counters.closed_garbage += 1
