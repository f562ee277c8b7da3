"""What the transport refuses: impostors, other ledgers, garbage, oversize frames, silence."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from jadechain import codec
from jadechain.crypto import Algorithm, KeyPair
from jadechain.p2p import PeerInfo, Transport, TransportSettings
from jadechain.p2p import handshake as hs
from jadechain.p2p.frames import HEADER, frame, read_frame
from jadechain.testing.processes import free_port

LEDGER = bytes(range(34))
SETTINGS = TransportSettings(
    backoff_initial_s=0.01, backoff_max_s=0.05, handshake_timeout_s=0.3, frame_bytes_max=1024
)


@dataclass
class Member:
    keypair: KeyPair
    info: PeerInfo
    inbox: list[tuple[str, bytes]] = field(default_factory=list)

    def transport(
        self, peers: list[PeerInfo], ledger: bytes = LEDGER, settings: TransportSettings = SETTINGS
    ) -> Transport:
        listen = ("127.0.0.1", self.info.port)
        on_message = lambda sender, payload: self.inbox.append((sender, payload))  # noqa: E731
        return Transport(
            self.keypair, self.info.node_id, ledger, peers, listen, on_message, settings
        )

    def identity(self) -> hs.Identity:
        return hs.Identity(self.keypair, self.info.node_id, LEDGER)


def member(keypair: KeyPair | None = None, node_id: str | None = None) -> Member:
    keypair = keypair or KeyPair.generate(Algorithm.ED25519)
    info = PeerInfo(node_id or keypair.address, keypair.public, "127.0.0.1", free_port())
    return Member(keypair, info)


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition; the generous bound only turns a hang into a failure."""
    async with asyncio.timeout(15):
        while not condition():
            await asyncio.sleep(0.005)


async def running(transports: list[Transport], scenario: Callable[[], Awaitable[None]]) -> None:
    try:
        for transport in transports:
            await transport.start()
        await scenario()
    finally:
        for transport in transports:
            await transport.stop()


async def raw_exchange(port: int, data: bytes) -> bytes:
    """Connect, send raw bytes, and read everything until the transport closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


def refusal_in(answer: bytes) -> str:
    """The reason of the Refuse frame at the end of what a refusing transport sent."""
    while answer:
        (length,) = HEADER.unpack(answer[:4])
        message, answer = answer[4 : 4 + length], answer[4 + length :]
    refuse = codec.decode(message, hs.Refuse)
    return refuse.reason


def test_a_key_outside_the_peer_list_is_refused() -> None:
    alice, stranger = member(), member()

    async def scenario() -> None:
        stranger_side.send(alice.info.node_id, b"let me in")
        await until(lambda: stranger_side.stats().handshakes_rejected >= 1)
        assert alice_side.stats().handshakes_rejected >= 1
        assert alice.inbox == []
        assert stranger_side.connected() == set()

    alice_side = alice.transport([])
    stranger_side = stranger.transport([alice.info])
    asyncio.run(running([alice_side, stranger_side], scenario))


def test_a_known_node_id_with_the_wrong_key_is_refused_in_both_roles(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, bob = member(), member()
    impostor = Member(KeyPair.generate(Algorithm.ED25519), bob.info)  # bob's id, port, not key

    async def scenario() -> None:
        impostor_side.send(alice.info.node_id, b"from bob, honestly")
        dialing = f"handshake with {bob.info.node_id} failed"  # alice dialing the impostor
        accepting = "refused the connection"  # alice accepting the impostor's dial
        await until(lambda: dialing in caplog.text and accepting in caplog.text)
        assert alice_side.stats().handshakes_rejected >= 2
        assert alice.inbox == []
        assert alice_side.connected() == impostor_side.connected() == set()

    alice_side = alice.transport([bob.info])
    impostor_side = impostor.transport([alice.info])
    with caplog.at_level(logging.WARNING, logger="jadechain.p2p"):
        asyncio.run(running([alice_side, impostor_side], scenario))
    assert "presented a key other than its registered key" in caplog.text


def test_a_signature_by_another_key_is_refused() -> None:
    alice, bob = member(), member()
    forger = KeyPair.generate(Algorithm.ED25519)

    async def scenario() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", alice.info.port)
        try:
            mine = bob.identity().hello(secrets.token_bytes(32))  # bob's key, but not his to use
            writer.write(frame(codec.encode(mine)))
            theirs = codec.decode(await read_frame(reader, 4096), hs.Hello)
            signed = hs.transcript(LEDGER, mine, theirs) + hs.ROLE_DIALER
            writer.write(frame(codec.encode(hs.Proof(forger.sign(signed)))))
            assert "does not verify" in refusal_in(await reader.read())
        finally:
            writer.close()
            await writer.wait_closed()
        assert alice_side.stats().handshakes_rejected == 1
        assert alice.inbox == []

    alice_side = alice.transport([bob.info])
    asyncio.run(running([alice_side], scenario))


def test_a_peer_of_another_ledger_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    alice, bob = member(), member()

    async def scenario() -> None:
        alice_side.broadcast(b"a")
        bob_side.broadcast(b"b")
        await until(lambda: min(s.stats().handshakes_rejected for s in both) >= 2)
        assert alice.inbox == bob.inbox == []

    alice_side = alice.transport([bob.info])
    bob_side = bob.transport([alice.info], ledger=b"another ledger")
    both = [alice_side, bob_side]
    with caplog.at_level(logging.WARNING, logger="jadechain.p2p"):
        asyncio.run(running(both, scenario))
    assert "is not this node's" in caplog.text


def test_garbage_huge_prefixes_and_silence_are_closed_and_good_peers_still_work() -> None:
    alice, bob = member(), member()

    async def scenario() -> None:
        port = alice.info.port
        await raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # a 1.2 GB length prefix
        await raw_exchange(port, b"\xff\xff\xff\xff" + os.urandom(64))
        assert "malformed" in refusal_in(await raw_exchange(port, frame(os.urandom(100))))
        proof_first = frame(codec.encode(hs.Proof(bob.keypair.sign(b"x"))))
        assert "expected Hello" in refusal_in(await raw_exchange(port, proof_first))
        half = frame(codec.encode(bob.identity().hello(secrets.token_bytes(32))))
        assert "no handshake within" in refusal_in(await raw_exchange(port, half))
        stats = alice_side.stats()
        assert (stats.closed_oversize, stats.closed_garbage, stats.handshakes_rejected) == (2, 2, 5)
        bob_side.send(alice.info.node_id, b"still here")
        alice_side.send(bob.info.node_id, b"me too")
        await until(lambda: bool(alice.inbox) and bool(bob.inbox))
        assert alice.inbox == [(bob.info.node_id, b"still here")]
        assert bob.inbox == [(alice.info.node_id, b"me too")]

    alice_side = alice.transport([bob.info])
    bob_side = bob.transport([alice.info])
    asyncio.run(running([alice_side, bob_side], scenario))


async def authenticated(
    dialer: Member, target: Member
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw connection that passed the handshake as `dialer`, for sending hand-made frames."""
    reader, writer = await asyncio.open_connection("127.0.0.1", target.info.port)
    key = target.keypair.public
    await hs.dial(reader, writer, dialer.identity(), target.info.node_id, key, 5)
    return reader, writer


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


def test_an_oversize_frame_closes_an_authenticated_link() -> None:
    alice, bob = member(), member()

    async def scenario() -> None:
        reader, writer = await authenticated(bob, alice)
        try:
            writer.write(frame(b"fine") + HEADER.pack(1025) + bytes(1025) + frame(b"never"))
            assert await reader.read() == b""
        finally:
            await close(writer)
        assert alice.inbox == [(bob.info.node_id, b"fine")]
        assert alice_side.stats().closed_oversize == 1

    alice_side = alice.transport([bob.info])
    asyncio.run(running([alice_side], scenario))


def test_a_new_inbound_link_replaces_the_old_one_of_the_same_peer() -> None:
    alice, bob = member(), member()

    async def scenario() -> None:
        old_reader, old_writer = await authenticated(bob, alice)
        _, new_writer = await authenticated(bob, alice)
        try:
            assert await old_reader.read() == b""  # alice closed the old connection
            new_writer.write(frame(b"from the new link"))
            await until(lambda: bool(alice.inbox))
            assert alice.inbox == [(bob.info.node_id, b"from the new link")]
        finally:
            await close(old_writer)
            await close(new_writer)

    alice_side = alice.transport([bob.info])
    asyncio.run(running([alice_side], scenario))


def test_pings_keep_idle_links_up_and_a_silent_link_is_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice, bob, carol = member(), member(), member()
    settings = TransportSettings(keepalive_s=0.1, backoff_initial_s=0.01, backoff_max_s=0.05)

    async def scenario() -> None:
        await until(lambda: alice_side.connected() == {bob.info.node_id})
        reader, writer = await authenticated(carol, alice)  # then says nothing
        try:
            assert await reader.read() == b""  # closed after 3 silent keepalive periods
        finally:
            await close(writer)
        assert alice_side.connected() == {bob.info.node_id}
        bob_side.send(alice.info.node_id, b"after a while")
        await until(lambda: bool(alice.inbox))
        assert alice.inbox == [(bob.info.node_id, b"after a while")]

    alice_side = alice.transport([bob.info, carol.info], settings=settings)
    bob_side = bob.transport([alice.info], settings=settings)
    with caplog.at_level(logging.INFO, logger="jadechain.p2p"):
        asyncio.run(running([alice_side, bob_side], scenario))
    assert f"closed the link from {carol.info.node_id}: silent" in caplog.text
    assert f"link from {bob.info.node_id}" not in caplog.text  # no drop, no reconnection
