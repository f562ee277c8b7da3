"""Several participants in one loop on real p2p links: solo and bft ordering, the certificate
round, a leader failure, and block sync for a node that was down."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from jadechain.api import SubmitStatus
from jadechain.ledger.store import Ledger
from jadechain.node import wire
from jadechain.node.host import PipelineSettings
from jadechain.sdk.verify import verify_header
from jadechain.testing.network import LocalNetwork


def run(network: LocalNetwork, scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        await network.start()
        try:
            await scenario()
        finally:
            await network.stop()

    asyncio.run(main())


async def submit_all(network: LocalNetwork, node: int, count: int, prefix: str) -> None:
    transactions = [network.write(f"{prefix}{i}", i) for i in range(count)]
    answers = await network.host(node).submit(transactions)
    assert {a.status for a in answers} == {SubmitStatus.COMMITTED}, answers[:2]


def same_chain(ledgers: list[Ledger], height: int) -> None:
    """Every ledger has the same blocks up to `height`, each with a quorum certificate."""
    keys = [spec.public_key for spec in ledgers[0].init_document().document.participants]
    quorum = len(keys) - (len(keys) - 1) // 3
    for h in range(1, height + 1):
        headers = {ledger.header(h) for ledger in ledgers}
        assert len(headers) == 1, f"ledgers differ at height {h}"
        [header] = headers
        assert header is not None
        for ledger in ledgers:
            certificate = ledger.certificate(h)
            assert certificate is not None
            signed = len(certificate.signatures)
            assert verify_header(header, certificate, keys, quorum), f"height {h}: {signed} signed"


async def settle(network: LocalNetwork, timeout_s: float = 30.0) -> int:
    """Wait until the running nodes agree on a height and hold a quorum certificate for every
    block up to it; return the height."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        heights = {h.ledger.height for h in network.running()}
        try:
            assert len(heights) == 1, f"heights differ: {heights}"
            same_chain([h.ledger for h in network.running()], max(heights))
            return max(heights)
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.1)


def test_solo_network_leader_orders_what_a_follower_admitted() -> None:
    network = LocalNetwork(3, provider="solo")

    async def scenario() -> None:
        await network.host(2).submit([network.open_account()])
        await submit_all(network, 2, 50, "k")
        await submit_all(network, 0, 20, "j")
        height = await settle(network)
        same_chain([h.ledger for h in network.running()], height)
        status = network.host(1).network_status()
        assert status.provider == "solo"
        assert status.leader == network.addresses[0]
        assert all(link.connected for link in status.peers)

    run(network, scenario)


def test_bft_commits_through_any_node_and_survives_the_leader() -> None:
    network = LocalNetwork(4, provider="bft", view_change_timeout_ms=400)
    leader = network.addresses.index(sorted(network.addresses)[0])
    other = (leader + 1) % 4

    async def scenario() -> None:
        await network.host(other).submit([network.open_account()])
        await submit_all(network, other, 100, "a")
        await submit_all(network, leader, 30, "b")
        height = await settle(network)
        same_chain([h.ledger for h in network.running()], height)
        await network.stop([leader])
        await submit_all(network, other, 30, "c")  # after a view change
        statuses = [h.network_status() for h in network.running()]
        assert {s.view for s in statuses} != {0}
        await network.start([leader])
        await submit_all(network, other, 10, "d")
        height = await settle(network)
        same_chain([Ledger(store) for store in network.stores], height)

    run(network, scenario)


def test_a_node_that_was_down_catches_up_by_block_sync() -> None:
    settings = PipelineSettings(block_transactions_max=1, block_delay_ms=0)
    network = LocalNetwork(4, provider="bft", settings=settings)
    late = 3

    async def scenario() -> None:
        await network.host(0).submit([network.open_account()])
        await network.stop([late])
        for index in range(80):  # more heights than the replicas keep for catch-up
            await submit_all(network, index % 3, 1, f"s{index}")
        await network.start([late])
        height = await settle(network)
        assert height >= 81
        same_chain([h.ledger for h in network.running()], height)

    run(network, scenario)


def test_malformed_and_malicious_peer_frames_never_harm_a_node() -> None:
    network = LocalNetwork(4, provider="bft")

    async def scenario() -> None:
        await network.host(0).submit([network.open_account()])
        peering = network.peerings[1]
        assert peering is not None
        sender = network.addresses[2]
        frames = [
            b"",
            b"\xff" * 64,
            wire.encode(wire.Consensus(b"\x00garbage")),
            wire.encode(wire.Vote(1, b"\x01" * 40, b"\x02" * 64)),
            wire.encode(wire.Vote(-5, b"", b"")),
            wire.encode(wire.Announce(10**12, 10**12)),
            wire.encode(wire.SyncRequest(-3, 10**9)),
            wire.encode(wire.SyncBlocks([b"junk"], [b"junk"])),
        ]
        for frame in frames:
            peering._on_frame(sender, frame)
            peering._on_frame("not-a-participant", frame)
        await submit_all(network, 1, 10, "after")
        height = await settle(network)
        assert all(not h.network_status().diverged for h in network.running())
        assert height >= 2

    run(network, scenario)
