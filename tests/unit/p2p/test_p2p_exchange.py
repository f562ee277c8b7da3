"""The transport between honest peers: delivery in order, both key suites, limits, clean stop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from jadechain.crypto import SM, Algorithm, KeyPair
from jadechain.p2p import PeerInfo, Transport, TransportSettings
from jadechain.testing.processes import free_port

LEDGER = bytes(range(34))
FAST = TransportSettings(backoff_initial_s=0.01, backoff_max_s=0.1)


@dataclass
class Member:
    keypair: KeyPair
    info: PeerInfo
    inbox: list[tuple[str, bytes]] = field(default_factory=list)
    poison: bytes | None = None  # a payload that makes the handler raise

    def deliver(self, sender: str, payload: bytes) -> None:
        if payload == self.poison:
            raise RuntimeError("handler bug")
        self.inbox.append((sender, payload))

    def transport(self, everyone: list[Member], settings: TransportSettings = FAST) -> Transport:
        return Transport(
            self.keypair,
            self.info.node_id,
            LEDGER,
            [member.info for member in everyone],
            ("127.0.0.1", self.info.port),
            self.deliver,
            settings,
        )


def members(count: int, algorithm: Algorithm = Algorithm.ED25519) -> list[Member]:
    result = []
    for _ in range(count):
        keypair = KeyPair.generate(algorithm)
        info = PeerInfo(keypair.address, keypair.public, "127.0.0.1", free_port())
        result.append(Member(keypair, info))
    return result


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition; the generous bound only turns a hang into a failure."""
    async with asyncio.timeout(15):
        while not condition():
            await asyncio.sleep(0.005)


def run_with(group: list[Member], scenario: Callable[[list[Transport]], Awaitable[None]]) -> None:
    async def main() -> None:
        transports = [member.transport(group) for member in group]
        try:
            for transport in transports:
                await transport.start()
            await scenario(transports)
        finally:
            for transport in transports:
                await transport.stop()

    asyncio.run(main())


def exchange(group: list[Member], frames: int) -> None:
    ids = [member.info.node_id for member in group]

    async def scenario(transports: list[Transport]) -> None:
        for sender, transport in zip(ids, transports, strict=True):
            for receiver in ids:
                for i in range(frames if receiver != sender else 0):
                    assert transport.send(receiver, f"{sender}>{receiver}:{i}".encode())
        expected = frames * (len(group) - 1)
        await until(lambda: all(len(member.inbox) == expected for member in group))
        for transport, node_id in zip(transports, ids, strict=True):
            assert transport.connected() == set(ids) - {node_id}
            stats = transport.stats()
            assert (stats.frames_sent, stats.frames_received) == (expected, expected)
            assert stats.handshakes_rejected == stats.frames_dropped == 0

    run_with(group, scenario)
    for member in group:
        receiver = member.info.node_id
        for sender in set(ids) - {receiver}:
            got = [payload for origin, payload in member.inbox if origin == sender]
            assert got == [f"{sender}>{receiver}:{i}".encode() for i in range(frames)]


def test_three_ed25519_peers_exchange_in_order_in_every_direction() -> None:
    exchange(members(3), 1000)


def test_sm2_peers_exchange_in_order() -> None:
    exchange(members(2, SM.signature), 300)


def test_broadcast_reaches_every_peer_and_a_failing_handler_does_not_stop_delivery() -> None:
    group = members(3)
    first, second, third = group

    first.poison = b"boom"

    async def scenario(transports: list[Transport]) -> None:
        transports[1].broadcast(b"boom")
        transports[1].broadcast(b"after")
        await until(lambda: bool(first.inbox) and bool(third.inbox))
        assert first.inbox == [(second.info.node_id, b"after")]
        assert third.inbox == [(second.info.node_id, b"boom"), (second.info.node_id, b"after")]

    run_with(group, scenario)


def test_send_refuses_unknown_peers_and_empty_or_oversize_payloads() -> None:
    [me, peer] = members(2)
    settings = TransportSettings(frame_bytes_max=1024)
    transport = Transport(
        me.keypair, me.info.node_id, LEDGER, [me.info, peer.info], ("127.0.0.1", 0), print, settings
    )
    assert transport.send(peer.info.node_id, b"x" * 1024)
    assert not transport.send(peer.info.node_id, b"x" * 1025)
    assert not transport.send(peer.info.node_id, b"")
    assert not transport.send(me.info.node_id, b"to myself")  # our own entry is ignored
    assert not transport.send("nobody", b"x")
    assert transport.stats().frames_too_big == 2
    assert transport.connected() == set()


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="frame_bytes_max"):
        TransportSettings(frame_bytes_max=2**32)
    with pytest.raises(ValueError, match="backoff_max_s"):
        TransportSettings(backoff_initial_s=3, backoff_max_s=2)


def test_a_taken_port_is_a_clear_oserror() -> None:
    [first, second] = members(2)
    taken = Member(
        second.keypair,
        PeerInfo(second.info.node_id, second.keypair.public, "127.0.0.1", first.info.port),
    )

    async def main() -> None:
        holder = first.transport([first])
        await holder.start()
        try:
            with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{first.info.port}"):
                await taken.transport([taken]).start()
        finally:
            await holder.stop()

    asyncio.run(main())


def test_stop_is_idempotent_and_leaves_no_task_or_socket() -> None:
    group = members(3)
    descriptors = len(os.listdir("/proc/self/fd"))

    async def main() -> None:
        transports = [member.transport(group) for member in group]
        for transport in transports:
            await transport.start()
        transports[0].broadcast(b"hello")
        await until(lambda: len(group[1].inbox) == len(group[2].inbox) == 1)
        for transport in transports:
            await transport.stop()
            await transport.stop()
        assert asyncio.all_tasks() == {asyncio.current_task()}
        assert not transports[0].send(group[1].info.node_id, b"late")

    asyncio.run(main())
    assert len(os.listdir("/proc/self/fd")) == descriptors
