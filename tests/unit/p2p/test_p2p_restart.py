"""A peer that stops and comes back: frames queue meanwhile, within bounds, and then arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from jadechain.crypto import Algorithm, KeyPair
from jadechain.p2p import PeerInfo, Transport, TransportSettings
from jadechain.testing.processes import free_port

LEDGER = bytes(range(34))


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition; the generous bound only turns a hang into a failure."""
    async with asyncio.timeout(15):
        while not condition():
            await asyncio.sleep(0.005)


def peer() -> tuple[KeyPair, PeerInfo]:
    keypair = KeyPair.generate(Algorithm.ED25519)
    return keypair, PeerInfo(keypair.address, keypair.public, "127.0.0.1", free_port())


def test_frames_queue_while_a_peer_is_down_and_arrive_after_it_restarts() -> None:
    (alice_key, alice), (bob_key, bob) = peer(), peer()
    fast = TransportSettings(backoff_initial_s=0.01, backoff_max_s=0.05)
    bounded = TransportSettings(
        backoff_initial_s=0.01, backoff_max_s=0.05, send_queue_frames_max=50
    )
    inboxes: dict[str, list[tuple[str, bytes]]] = {"alice": [], "bob": []}

    def make(name: str, key: KeyPair, me: PeerInfo, settings: TransportSettings) -> Transport:
        inbox = inboxes[name]
        on_message = lambda sender, payload: inbox.append((sender, payload))  # noqa: E731
        listen = ("127.0.0.1", me.port)
        return Transport(key, me.node_id, LEDGER, [alice, bob], listen, on_message, settings)

    async def main() -> None:
        alice_side = make("alice", alice_key, alice, bounded)
        bob_side = make("bob", bob_key, bob, fast)
        await alice_side.start()
        await bob_side.start()
        try:
            await until(lambda: alice_side.connected() == {bob.node_id})
            await bob_side.stop()
            await until(lambda: alice_side.connected() == set())
            sent = [alice_side.send(bob.node_id, f"{i}".encode()) for i in range(60)]
            assert sent == [True] * 50 + [False] * 10
            assert alice_side.stats().frames_dropped == 10

            inboxes["bob"].clear()
            bob_side = make("bob", bob_key, bob, fast)  # a new process, the same port
            await bob_side.start()
            await until(lambda: len(inboxes["bob"]) == 50)
            assert alice_side.send(bob.node_id, b"marker")
            assert bob_side.send(alice.node_id, b"bob is back")
            await until(lambda: len(inboxes["bob"]) == 51 and len(inboxes["alice"]) == 1)
            expected = [f"{i}".encode() for i in range(50)] + [b"marker"]
            assert inboxes["bob"] == [(alice.node_id, payload) for payload in expected]
            assert inboxes["alice"] == [(bob.node_id, b"bob is back")]
            assert alice_side.stats().frames_dropped == 10
        finally:
            await alice_side.stop()
            await bob_side.stop()

    asyncio.run(main())


def test_the_byte_bound_of_the_queue_drops_frames_too() -> None:
    (alice_key, alice), (_, bob) = peer(), peer()
    settings = TransportSettings(send_queue_bytes_max=1000)
    transport = Transport(
        alice_key, alice.node_id, LEDGER, [bob], ("127.0.0.1", 0), print, settings
    )
    assert [transport.send(bob.node_id, bytes(400)) for _ in range(3)] == [True, True, False]
    assert transport.send(bob.node_id, bytes(200))
    assert not transport.send(bob.node_id, b"x")
    assert transport.stats().frames_dropped == 2
