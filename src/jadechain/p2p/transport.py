"""Authenticated peer-to-peer transport between the participants of one ledger, on asyncio TCP.

Links. Every node dials every peer and uses the connection it dialed only for sending; the
connections it accepts are only for receiving. So each pair of nodes has two one-way links and no
tie-breaking is needed. A new authenticated inbound connection from a node id replaces the old
one (the peer restarted). `on_message(sender, payload)` is called on the event loop for every
frame, in order per link; an exception it raises is logged and does not affect the transport.

Framing. A frame is a 4-byte big-endian payload length followed by the payload. Length 0 is a
keepalive ping and is not delivered (so an empty payload cannot be sent). A frame longer than
`TransportSettings.frame_bytes_max` (default 32 MiB) closes the connection.

Handshake (on every dialed connection, before any frame; see `jadechain.p2p.handshake`). Both
sides exchange `Hello{version: 1, ledger: ledger id bytes, node: node id, public_key: public key
bytes, nonce: 32 random bytes}` (dialer first), then `Proof{signature}` (dialer first), each
message a frame of canonical MessagePack (`jadechain.codec`) of at most 4 KiB. A signature covers
`b"jadechain-p2p-v1" + ledger + dialer nonce + acceptor nonce + dialer public key + acceptor public
key + role` with role `b"D"` (dialer) or `b"A"` (acceptor). Each side requires the same protocol
version and ledger id, that the other's node id is in its peer list with exactly that public key
(the acceptor: the dialer is a participant; the dialer: it reached the participant it dialed), and
that the signature verifies. A side that refuses sends `Refuse{reason}` and closes. The whole
handshake must finish within `handshake_timeout_s` (default 5 s). Failures are counted in
`TransportStats.handshakes_rejected` and logged at WARNING; nothing from the network ever raises
out of the transport. Any signature algorithm works (Ed25519, SM2, ...): keys name their algorithm.

Sending. `send` never blocks: it appends to the peer's queue, bounded by `send_queue_frames_max`
frames (default 4096) and `send_queue_bytes_max` payload bytes (default 128 MiB); a frame over
either bound is dropped and counted (consensus resends). The queue survives disconnections and is
flushed after the next handshake. A link's writer joins up to 4 MiB of queued frames per socket
write, then waits for the socket to drain. TCP_NODELAY is set on every connection.

Liveness. An outgoing link idle for `keepalive_s` (default 5 s) sends a ping; an incoming link
silent for 3 x `keepalive_s`, or an outgoing link whose socket does not drain for that long, is
closed. A dialer reconnects with exponential backoff from `backoff_initial_s` (default 50 ms)
doubling up to `backoff_max_s` (default 2 s), with jitter (each wait is 50-100 % of the current
step), reset after a successful handshake; each connect attempt is limited to
`connect_timeout_s` (default 3 s).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from jadechain.crypto import KeyPair
from jadechain.p2p import handshake
from jadechain.p2p.frames import FrameTooBigError, close_writer, read_frame, set_nodelay
from jadechain.p2p.handshake import HandshakeError, Identity
from jadechain.p2p.outbound import OutboundLink, count_failure
from jadechain.p2p.settings import Counters, PeerInfo, TransportSettings, TransportStats

log = logging.getLogger(__name__)

_DEFAULT_SETTINGS = TransportSettings()


class Transport:
    """The links of one node to all its peers (see the module docstring)."""

    def __init__(
        self,
        keypair: KeyPair,
        node_id: str,
        ledger_id: bytes,
        peers: Sequence[PeerInfo],
        listen: tuple[str, int],
        on_message: Callable[[str, bytes], None],
        settings: TransportSettings = _DEFAULT_SETTINGS,
    ) -> None:
        self._me = Identity(keypair, node_id, bytes(ledger_id))
        self._listen = listen
        self._on_message = on_message
        self._settings = settings
        self._counters = Counters()
        others = _index_peers(peers, node_id)
        self._keys = {peer.node_id: peer.public_key for peer in others.values()}
        self._links = {
            peer.node_id: OutboundLink(peer, self._me, settings, self._counters)
            for peer in others.values()
        }
        self._server: asyncio.Server | None = None
        self._dialers: list[asyncio.Task[None]] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._inbound: dict[str, asyncio.Task[None]] = {}
        self._writers: set[asyncio.StreamWriter] = set()  # accepted, not yet closed
        self._started = False
        self._stopped = False

    async def start(self) -> None:
        """Listen, then start dialing every peer. OSError if the address cannot be bound."""
        if self._started:
            raise RuntimeError("a transport starts once")
        self._started = True
        host, port = self._listen
        try:
            self._server = await asyncio.start_server(self._on_accept, host, port)
        except OSError as error:
            self._stopped = True
            reason = error.strerror or str(error)
            raise OSError(error.errno, f"cannot listen on {host}:{port}: {reason}") from error
        for node_id, link in self._links.items():
            self._dialers.append(asyncio.create_task(link.run(), name=f"p2p-dial-{node_id}"))
        log.info("p2p transport of %s listening on %s:%d", self._me.node_id, host, port)

    async def stop(self) -> None:
        """Close every connection and the listener, and wait for every task. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._server is not None:
            self._server.close()
        tasks = [*self._dialers, *self._handlers]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in list(self._writers):  # handlers cancelled before they ever ran
            writer.transport.abort()
        self._writers.clear()
        if self._server is not None:
            await self._server.wait_closed()
        for link in self._links.values():
            link.up = False

    def send(self, node_id: str, payload: bytes) -> bool:
        """Queue a frame for a peer; never blocks. False for an unknown peer, a stopped
        transport, a full queue (counted as dropped), or an empty or oversize payload."""
        link = self._links.get(node_id)
        if link is None or self._stopped:
            return False
        if not 0 < len(payload) <= self._settings.frame_bytes_max:
            self._counters.frames_too_big += 1
            return False
        return link.offer(payload)

    def broadcast(self, payload: bytes) -> None:
        """Queue a frame for every peer."""
        for node_id in self._links:
            self.send(node_id, payload)

    def connected(self) -> set[str]:
        """The node ids whose authenticated outgoing link is up now."""
        return {node_id for node_id, link in self._links.items() if link.up}

    def stats(self) -> TransportStats:
        return self._counters.snapshot()

    def _on_accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Synchronous, so that every accepted connection is tracked before stop() can run.
        if self._stopped:
            writer.transport.abort()
            return
        self._writers.add(writer)
        task = asyncio.create_task(self._serve_inbound(reader, writer))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _serve_inbound(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        peer = writer.get_extra_info("peername")
        try:
            set_nodelay(writer)
            node_id = await self._authenticate(reader, writer, peer)
            if node_id is not None:
                await self._receive_on(node_id, reader)
        except Exception:
            log.exception("unexpected error on the connection from %s", peer)
        finally:
            self._writers.discard(writer)
            await close_writer(writer)

    async def _authenticate(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: object
    ) -> str | None:
        timeout_s = self._settings.handshake_timeout_s
        try:
            return await handshake.accept(reader, writer, self._me, self._keys, timeout_s)
        except HandshakeError as error:
            count_failure(self._counters, error)
            log.warning("refused the connection from %s: %s", peer, error.reason)
            return None

    async def _receive_on(self, node_id: str, reader: asyncio.StreamReader) -> None:
        me = asyncio.current_task()
        assert me is not None
        previous = self._inbound.get(node_id)
        if previous is not None:
            previous.cancel()  # the peer reconnected; its new connection wins
        self._inbound[node_id] = me
        try:
            await self._receive(node_id, reader)
        finally:
            if self._inbound.get(node_id) is me:
                del self._inbound[node_id]

    async def _receive(self, node_id: str, reader: asyncio.StreamReader) -> None:
        limit = self._settings.frame_bytes_max
        silence = self._settings.silence_s
        counters = self._counters
        try:
            while True:
                async with asyncio.timeout(silence):
                    payload = await read_frame(reader, limit)
                if payload:
                    counters.frames_received += 1
                    counters.bytes_received += len(payload)
                    self._deliver(node_id, payload)
        except FrameTooBigError as error:
            counters.closed_oversize += 1
            log.warning("closed the link from %s: %s", node_id, error)
        except TimeoutError:
            log.warning("closed the link from %s: silent for %s s", node_id, silence)
        except (EOFError, OSError) as error:
            log.info("link from %s closed: %s", node_id, error or "end of stream")

    def _deliver(self, node_id: str, payload: bytes) -> None:
        try:
            self._on_message(node_id, payload)
        except Exception:
            log.exception("on_message failed for a frame from %s", node_id)


def _index_peers(peers: Sequence[PeerInfo], own_node_id: str) -> dict[str, PeerInfo]:
    index: dict[str, PeerInfo] = {}
    for peer in peers:
        if peer.node_id == own_node_id:
            continue
        if peer.node_id in index and index[peer.node_id] != peer:
            raise ValueError(f"two different entries for peer {peer.node_id}")
        index[peer.node_id] = peer
    return index
