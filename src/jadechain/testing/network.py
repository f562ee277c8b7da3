"""A network of participants in one event loop: each with its ledger (in memory), host, consensus
replica and real p2p links on 127.0.0.1. For tests of the certificate round, block sync and the
providers on real sockets, without processes (tests/e2e covers those).

    network = LocalNetwork(4, provider="bft")
    await network.start()
    await network.hosts[1].submit([network.write("k", 1)])
    await network.stop()
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from jadechain.crypto import Algorithm, KeyPair, address_of
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ledger.store import Ledger
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64
from jadechain.node.consensus import make_replica
from jadechain.node.host import LedgerHost, PipelineSettings, wall_clock_ms
from jadechain.node.peering import Peering, participants_of
from jadechain.storage import MemoryStore
from jadechain.testing.processes import free_port

__all__ = ["LocalNetwork"]


def signed_document(
    keys: Sequence[KeyPair],
    admin: KeyPair,
    provider: str,
    suite: str,
    options: dict[str, str],
) -> genesis.SignedInitDocument:
    document = genesis.InitDocument(
        name="local network",
        created_ms=wall_clock_ms(),
        suite=suite,
        participants=[
            genesis.ParticipantSpec(f"org{i}", key.public, "127.0.0.1", free_port())
            for i, key in enumerate(keys)
        ],
        roles=[genesis.all_permissions()],
        users=[genesis.GenesisUser(admin.public, [genesis.ADMIN_ROLE])],
        consensus_provider=provider,
        consensus_settings=options,
    )
    return genesis.combine(document, [genesis.sign_document(document, k) for k in keys])


class LocalNetwork:
    def __init__(
        self,
        nodes: int,
        provider: str = "bft",
        suite: str = "classic",
        view_change_timeout_ms: int = 500,
        settings: PipelineSettings | None = None,
    ) -> None:
        algorithm = Algorithm.SM2 if suite == "sm" else Algorithm.ED25519
        self.keys = [KeyPair.generate(algorithm) for _ in range(nodes)]
        self.admin = KeyPair.generate(algorithm)
        options = {"view_change_timeout_ms": str(view_change_timeout_ms)}
        self.document = signed_document(self.keys, self.admin, provider, suite, options)
        self.stores = [MemoryStore() for _ in range(nodes)]
        for store in self.stores:
            Ledger.create(store, self.document)
        self.settings = settings or PipelineSettings(block_delay_ms=5)
        self.hosts: list[LedgerHost | None] = [None] * nodes
        self.peerings: list[Peering | None] = [None] * nodes
        self.account = KeyPair.generate(algorithm)

    @property
    def addresses(self) -> list[str]:
        return [address_of(key.public) for key in self.keys]

    def host(self, index: int) -> LedgerHost:
        host = self.hosts[index]
        assert host is not None, f"node {index} is stopped"
        return host

    async def start(self, indexes: Sequence[int] | None = None) -> None:
        for index in range(len(self.keys)) if indexes is None else indexes:
            ledger = Ledger(self.stores[index])
            participants = participants_of(ledger)
            replica = make_replica(ledger, self.keys[index], participants)
            host = LedgerHost(ledger, self.keys[index], self.settings, replica=replica)
            peering = Peering(host, participants)
            await host.start()
            await peering.start()
            self.hosts[index], self.peerings[index] = host, peering

    async def stop(self, indexes: Sequence[int] | None = None) -> None:
        for index in range(len(self.keys)) if indexes is None else indexes:
            peering, host = self.peerings[index], self.hosts[index]
            if peering is not None:
                await peering.stop()
            if host is not None:
                await host.stop()
            self.peerings[index] = self.hosts[index] = None

    def running(self) -> list[LedgerHost]:
        return [host for host in self.hosts if host is not None]

    def open_account(self) -> m.SignedTransaction:
        """The transaction that registers the data account `write` writes to."""
        return self._signed([m.RegisterDataAccount(self.account.public)])

    def write(self, key: str, value: int) -> m.SignedTransaction:
        write = m.EntryWrite(key, Int64(value), m.NEW)
        return self._signed([m.SetEntries(self.account.address, [write])])

    def _signed(self, operations: list[m.Operation]) -> m.SignedTransaction:
        ledger_id = Ledger(self.stores[0]).id
        content = new_content(ledger_id, operations, wall_clock_ms())
        return sign(content, [self.admin])

    async def wait_for_height(self, height: int, timeout_s: float = 30.0) -> None:
        """Until every running node has committed `height` (TimeoutError otherwise)."""

        async def reached() -> None:
            while any(host.ledger.height < height for host in self.running()):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(reached(), timeout_s)
