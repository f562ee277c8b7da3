"""A hosted ledger's life among its peers: consensus messages, certificates and block sync.

`Peering` owns the p2p transport of one ledger (listening on this participant's host:port as
registered in the ledger, dialing the others'), and is the host's `Links`:
- consensus messages travel wrapped in `wire.Consensus`;
- after each commit it runs the certificate round (`certify`): it signs the block hash, sends
  the vote, stores the certificate once a quorum signed the same hash, and halts the host when
  f+1 others signed a different one;
- every ANNOUNCE_MS it tells peers its committed and certified heights; when a peer has
  certified blocks this node lacks and this node's height has not moved for SYNC_STALL_MS (or it
  is more than SYNC_GAP_MAX behind), it asks that peer for up to SYNC_BLOCKS_MAX blocks, checks
  each certificate (a quorum of participants' signatures on the header's hash) and every
  transaction signature, and queues the blocks for the host to re-execute and install.
A malformed or unexpected frame is counted and dropped; nothing a peer sends raises here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from jadechain import codec
from jadechain.api import PeerLink
from jadechain.crypto import PublicKey, address_of
from jadechain.ledger import model as m
from jadechain.ledger.executor import BlockOutcome
from jadechain.ledger.state import ParticipantRecord
from jadechain.ledger.store import Ledger
from jadechain.node import wire
from jadechain.node.blocks import signatures_valid
from jadechain.node.certify import CertificateRound, Certified, Diverged
from jadechain.node.host import LedgerHost
from jadechain.p2p import PeerInfo, Transport, TransportSettings
from jadechain.sdk.verify import verify_header

log = logging.getLogger(__name__)

SYNC_STALL_MS = 1_000
SYNC_GAP_MAX = 4
SYNC_TIMEOUT_MS = 10_000
CERTIFY_WAIT_MS = 2_000  # a block still without a quorum certificate after this: fetch one
UNCERTIFIED_MAX = 256  # heights remembered as lacking a quorum certificate


@dataclass(slots=True)
class _Peer:
    name: str
    public_key: PublicKey
    height: int = -1
    certified_height: int = -1


class Peering:
    def __init__(
        self,
        host: LedgerHost,
        participants: dict[str, ParticipantRecord],
        listen: tuple[str, int] | None = None,
        settings: TransportSettings | None = None,
    ) -> None:
        self.host = host
        self.me = address_of(host.signer.public)
        mine = participants.get(self.me)
        if mine is None:
            raise ValueError(f"this peer's key ({self.me}) is not a participant of the ledger")
        self.peers = {
            address: _Peer(record.name, record.public_key)
            for address, record in participants.items()
            if address != self.me
        }
        self.listen = listen or (mine.host, mine.port)
        if not self.listen[0] or not 0 < self.listen[1] < 65536:
            raise ValueError(f"the ledger registers no p2p host:port for participant {mine.name}")
        keys = {address: record.public_key for address, record in participants.items()}
        self.certs = CertificateRound(self.me, keys, host.ledger.height)
        self.uncertified: dict[int, int] = {}  # committed heights without a quorum -> since (ms)
        infos = [
            PeerInfo(address, record.public_key, record.host, record.port)
            for address, record in participants.items()
            if address != self.me
        ]
        self.transport = Transport(
            host.signer,
            self.me,
            host.ledger.id.to_bytes(),
            infos,
            self.listen,
            self._on_frame,
            settings or TransportSettings(),
        )
        self.dropped = 0
        self._last_height = host.ledger.height
        self._last_progress_ms = _now_ms()
        self._asked: tuple[str, int] | None = None  # (peer, when) of the sync request in flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._announcer: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.host.links = self
        self.host.on_commit = self._on_commit
        quorum = self.certs.quorum
        missing = await self.host.read(lambda ledger: _uncertified(ledger, quorum))
        now = _now_ms()
        self.uncertified = dict.fromkeys(missing, now)
        height = self.host.ledger.height
        self.certs.certified_height = min([height + 1, *missing]) - 1
        await self.transport.start()
        self._announcer = asyncio.create_task(self._announce_loop(), name="p2p-announce")

    async def stop(self) -> None:
        if self._announcer is not None:
            self._announcer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._announcer
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.transport.stop()

    # --- Links (for the host's replica) ---------------------------------------------------------

    def send(self, node_id: str, payload: bytes) -> bool:
        return self.transport.send(node_id, wire.encode(wire.Consensus(payload)))

    def broadcast(self, payload: bytes) -> None:
        self.transport.broadcast(wire.encode(wire.Consensus(payload)))

    def peer_links(self) -> list[PeerLink]:
        connected = self.transport.connected()
        return [
            PeerLink(address, peer.name, address in connected, peer.height)
            for address, peer in sorted(self.peers.items())
        ]

    def certified_height(self) -> int:
        return self.certs.certified_height

    def quorum(self) -> int:
        return self.certs.quorum

    # --- incoming frames ------------------------------------------------------------------------

    def _on_frame(self, sender: str, data: bytes) -> None:
        message = wire.decode(data)
        if message is None or sender not in self.peers:
            self.dropped += 1
            return
        if isinstance(message, wire.Consensus):
            self.host.on_consensus_message(sender, message.payload)
        elif isinstance(message, wire.Vote):
            verdict = self.certs.vote(sender, message.height, message.block_hash, message.signature)
            self._act(verdict)
        elif isinstance(message, wire.Announce):
            peer = self.peers[sender]
            peer.height = max(peer.height, message.height)
            peer.certified_height = max(peer.certified_height, message.certified_height)
        elif isinstance(message, wire.SyncRequest):
            self._spawn(self._serve(sender, message))
        else:
            self._spawn(self._receive_blocks(sender, message))

    def _spawn(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- certificates ---------------------------------------------------------------------------

    def _on_commit(self, outcome: BlockOutcome) -> None:
        height = outcome.block.header.height
        signature = self.host.signer.sign(outcome.block_hash.to_bytes())
        entry = m.SignatureEntry(self.host.signer.public, signature)
        vote = wire.Vote(height, outcome.block_hash.to_bytes(), signature.to_bytes())
        self.transport.broadcast(wire.encode(vote))
        if height not in self.uncertified:
            self.uncertified[height] = _now_ms()
            while len(self.uncertified) > UNCERTIFIED_MAX:
                del self.uncertified[min(self.uncertified)]
        self._act(self.certs.own(height, outcome.block_hash, entry))

    def _act(self, verdict: Certified | Diverged | None) -> None:
        if isinstance(verdict, Diverged):
            self.host.halt(verdict.reason)
        elif isinstance(verdict, Certified):
            self._save(verdict.certificate)

    def _save(self, certificate: m.BlockCertificate) -> None:
        self._spawn(self._store_certificate(certificate))

    async def _store_certificate(self, certificate: m.BlockCertificate) -> None:
        await self.host.read(lambda ledger: ledger.save_certificate(certificate))
        self.uncertified.pop(certificate.height, None)

    # --- announcing and block sync --------------------------------------------------------------

    async def _announce_loop(self) -> None:
        while True:
            await asyncio.sleep(wire.ANNOUNCE_MS / 1000)
            height = self.host.ledger.height
            announce = wire.Announce(height, self.certs.certified_height)
            self.transport.broadcast(wire.encode(announce))
            self._maybe_sync(height)

    def _maybe_sync(self, height: int) -> None:
        now = _now_ms()
        if height != self._last_height:
            self._last_height, self._last_progress_ms = height, now
        if self._asked is not None and now - self._asked[1] < SYNC_TIMEOUT_MS:
            return
        ahead = [a for a, p in self.peers.items() if p.certified_height > height]
        stalled = now - self._last_progress_ms >= SYNC_STALL_MS
        far = any(self.peers[a].certified_height > height + SYNC_GAP_MAX for a in ahead)
        self._asked = None
        if self.host.failure is not None:
            return
        if ahead and (stalled or far):
            self._ask(ahead, wire.SyncRequest(height + 1, wire.SYNC_BLOCKS_MAX), now)
            return
        old = [h for h, since in self.uncertified.items() if now - since >= CERTIFY_WAIT_MS]
        if old:  # blocks whose votes never reached us (e.g. we were down): fetch certificates
            first = min(old)
            holders = [a for a, p in self.peers.items() if p.certified_height >= first]
            count = min(max(old) - first + 1, wire.SYNC_BLOCKS_MAX)
            if holders:
                self._ask(holders, wire.SyncRequest(first, count), now)

    def _ask(self, peers: list[str], request: wire.SyncRequest, now: int) -> None:
        target = peers[(now // SYNC_STALL_MS) % len(peers)]  # rotate over the candidates
        if self.transport.send(target, wire.encode(request)):
            self._asked = (target, now)

    async def _serve(self, sender: str, request: wire.SyncRequest) -> None:
        count = max(0, min(request.count, wire.SYNC_BLOCKS_MAX))
        answer = await self.host.read(lambda ledger: _certified_blocks(ledger, request, count))
        self.transport.send(sender, wire.encode(answer))

    async def _receive_blocks(self, sender: str, answer: wire.SyncBlocks) -> None:
        if self._asked is None or self._asked[0] != sender:
            self.dropped += 1  # unasked-for blocks
            return
        self._asked = None
        keys = [self.certs.keys[a] for a in sorted(self.certs.keys)]
        for data, cert_data in zip(answer.blocks, answer.certificates, strict=False):
            try:
                block = codec.decode(data, m.Block)
                certificate = codec.decode(cert_data, m.BlockCertificate)
            except codec.CodecError:
                self.dropped += 1
                return
            if not verify_header(block.header, certificate, keys, self.certs.quorum):
                height = block.header.height
                log.warning("%s sent block %d without a quorum certificate", sender, height)
                return
            if block.header.height <= self.host.ledger.height:
                self._complete(block.header.height, certificate)
                continue
            if not await self._signatures_valid(block):
                log.warning("%s sent block %d with bad signatures", sender, block.header.height)
                return
            self.host.install_synced(block, certificate)

    def _complete(self, height: int, certificate: m.BlockCertificate) -> None:
        """A quorum certificate for a block this node already has."""
        if height not in self.uncertified:
            return
        ours = self.host.ledger.block(height)  # the store alone: safe off the ledger thread
        if ours is None:
            return
        if self.host.ledger.digest(codec.encode(ours.header)) != certificate.block_hash:
            self.host.halt(f"block {height} differs from the one a quorum certified")
            return
        self.certs.certified_height = max(self.certs.certified_height, height)
        self._save(certificate)

    async def _signatures_valid(self, block: m.Block) -> bool:
        host = self.host
        return all(await signatures_valid(block.transactions, host.ledger.digest, host.verifier))


def _uncertified(ledger: Ledger, quorum: int) -> list[int]:
    """On the ledger thread: recent heights whose stored certificate lacks a quorum."""
    missing = []
    for height in range(max(1, ledger.height - UNCERTIFIED_MAX + 1), ledger.height + 1):
        certificate = ledger.certificate(height)
        if certificate is None or len(certificate.signatures) < quorum:
            missing.append(height)
    return missing


def _certified_blocks(ledger: Ledger, request: wire.SyncRequest, count: int) -> wire.SyncBlocks:
    """On the ledger thread: consecutive blocks from `request.from_height` that carry a
    certificate, within the byte bound."""
    blocks: list[bytes] = []
    certificates: list[bytes] = []
    size = 0
    for height in range(max(1, request.from_height), request.from_height + count):
        block = ledger.block(height)
        certificate = ledger.certificate(height)
        if block is None or certificate is None:
            break
        data, cert = codec.encode(block), codec.encode(certificate)
        size += len(data) + len(cert)
        if blocks and size > wire.SYNC_BYTES_MAX:
            break
        blocks.append(data)
        certificates.append(cert)
    return wire.SyncBlocks(blocks, certificates)


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def participants_of(ledger: Ledger) -> dict[str, ParticipantRecord]:
    """The ledger's active participants by address (on the ledger thread, or before start)."""
    from jadechain.ledger import queries

    return {
        address: record
        for address, record in queries.participants(ledger)
        if record.state is not m.ParticipantState.DEACTIVATED
    }
