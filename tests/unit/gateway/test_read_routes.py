"""Every read route of the REST surface answers the right record for data written through it."""

from __future__ import annotations

from dataclasses import dataclass

from jadechain import codec
from jadechain.api import (
    AccountView,
    BlockView,
    ContractView,
    EntryView,
    EventView,
    LedgerInfo,
    LedgerSummary,
    RoleView,
    SubmitResult,
    SubmitStatus,
    TransactionView,
    UserView,
)
from jadechain.crypto import KeyPair, verify
from jadechain.gateway.harness import Harness, run
from jadechain.ledger import model as m
from jadechain.ledger.genesis import ADMIN_ROLE
from jadechain.ledger.proofs import (
    EntryProof,
    TransactionProof,
    verify_entry_proof,
    verify_transaction_proof,
)
from jadechain.ledger.values import Int64, Text
from jadechain.testing import LocalChain

CODE = "def hello(context):\n    return 1\n"


@dataclass
class World:
    """What the scenario wrote, and the results the API answered."""

    alice: KeyPair
    data: str
    events: str
    contract: str
    harvested: SubmitResult  # wrote lot/7 v0, lot/8 v0, other v0
    shipped: SubmitResult  # wrote lot/7 v1
    conflict: SubmitResult


def write(account: str, key: str, value: str, expected: int) -> m.SetEntries:
    return m.SetEntries(account, [m.EntryWrite(key, Text(value), expected)])


async def build(api: Harness) -> World:
    chain = api.chain
    alice, data, events, contract = chain.key(), chain.key(), chain.key(), chain.key()
    await api.submit([m.RegisterUser(alice.public, ["admin"])])
    await api.submit([m.RegisterDataAccount(data.public)])
    harvested = await api.submit(
        [
            m.SetEntries(
                data.address,
                [
                    m.EntryWrite("lot/7", Text("harvested"), m.NEW),
                    m.EntryWrite("lot/8", Int64(8), m.NEW),
                    m.EntryWrite("other", Text("x"), m.NEW),
                ],
            )
        ]
    )
    shipped = await api.submit([write(data.address, "lot/7", "shipped", 0)])
    conflict = await api.submit([write(data.address, "lot/7", "lost", 0)])
    await api.submit([m.RegisterEventAccount(events.public)])
    await api.submit(
        [
            m.PublishEvents(
                events.address,
                [
                    m.EventWrite("alerts/cold", Text("-2C"), m.NEW),
                    m.EventWrite("alerts/cold", Text("-5C"), 0),
                ],
            )
        ]
    )
    await api.submit([m.DeployContract(contract.public, CODE)])
    return World(
        alice, data.address, events.address, contract.address, harvested, shipped, conflict
    )


def test_every_read_route_answers_its_record(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        world = await build(api)
        await check_ledger_and_blocks(api, world)
        await check_transactions(api, world)
        await check_state(api, world)
        await check_entries(api, world)
        await check_entry_proofs(api, world)

    run(chain, scenario)


async def check_ledger_and_blocks(api: Harness, world: World) -> None:
    chain = api.chain
    [summary] = codec.from_json(
        (await api.client.get("/api/v1/ledgers")).content, list[LedgerSummary]
    )
    assert summary == LedgerSummary(chain.ledger.id, "test ledger", chain.ledger.height)
    info = codec.from_json((await api.get("")).content, LedgerInfo)
    assert info.id == chain.ledger.id
    assert info.height == chain.ledger.height
    assert info.latest_block_hash == chain.ledger.head_hash
    assert (info.suite, info.hash_algorithm, info.consensus_provider) == (
        "classic",
        "sha256",
        "solo",
    )
    assert [p.public_key for p in info.participants] == [chain.node.public]
    assert info.participants[0].name == "org0"

    latest = codec.from_json((await api.get("/blocks/latest")).content, BlockView)
    assert latest.hash == chain.ledger.head_hash
    assert latest.header.height == chain.ledger.height
    shipped = world.shipped
    assert shipped.result is not None
    assert shipped.block_hash is not None
    height = shipped.result.height
    block = codec.from_json((await api.get(f"/blocks/{height}")).content, BlockView)
    assert block.hash == shipped.block_hash
    assert block.transaction_hashes == [shipped.tx_hash]
    txs = codec.from_json((await api.get(f"/blocks/{height}/txs")).content, list[TransactionView])
    assert [(t.hash, t.block_hash, t.time_ms) for t in txs] == [
        (shipped.tx_hash, shipped.block_hash, block.header.time_ms)
    ]
    assert txs[0].result == shipped.result
    response = await api.get(f"/blocks/{height}/certificate")
    certificate = codec.from_json(response.content, m.BlockCertificate)
    assert certificate.block_hash == shipped.block_hash
    [signature] = certificate.signatures
    assert verify(signature.public_key, shipped.block_hash.to_bytes(), signature.signature)
    genesis = codec.from_json((await api.get("/blocks/0")).content, BlockView)
    assert genesis.hash == chain.ledger.id
    assert genesis.transaction_hashes == []


async def check_transactions(api: Harness, world: World) -> None:
    shipped = world.shipped
    assert shipped.result is not None
    assert shipped.block_hash is not None
    response = await api.get(f"/txs/{shipped.tx_hash.to_base58()}")
    assert response.status_code == 200
    view = codec.from_json(response.content, TransactionView)
    assert (view.hash, view.result, view.block_hash) == (
        shipped.tx_hash,
        shipped.result,
        shipped.block_hash,
    )
    # The gateway endorsed it with the node key only when given one (not here).
    assert view.transaction.node_signatures == []
    conflict = world.conflict
    assert conflict.status is SubmitStatus.COMMITTED
    assert conflict.result is not None
    assert conflict.result.code is m.TxCode.VERSION_CONFLICT
    response = await api.get(f"/txs/{shipped.tx_hash.to_base58()}/proof")
    proof = codec.from_json(response.content, TransactionProof)
    block = codec.from_json((await api.get(f"/blocks/{shipped.result.height}")).content, BlockView)
    assert verify_transaction_proof(proof, block.hash)
    assert not verify_transaction_proof(proof, world.harvested.block_hash)


async def check_state(api: Harness, world: World) -> None:
    user = codec.from_json((await api.get(f"/users/{world.alice.address}")).content, UserView)
    assert user == UserView(
        world.alice.address,
        world.alice.public,
        m.UserState.NORMAL,
        [ADMIN_ROLE],
        m.RolePolicy.UNION,
    )
    account = codec.from_json((await api.get(f"/accounts/{world.data}")).content, AccountView)
    assert account.kind is m.AccountKind.DATA
    assert account.owners == [api.chain.admin.address]
    assert (account.frozen, account.writer_role) == (False, None)
    contract = codec.from_json(
        (await api.get(f"/contracts/{world.contract}")).content, ContractView
    )
    assert contract == ContractView(world.contract, 0, CODE, False)
    as_account = codec.from_json(
        (await api.get(f"/accounts/{world.contract}")).content, AccountView
    )
    assert (as_account.kind, as_account.contract_version) == (m.AccountKind.CONTRACT, 0)
    events = codec.from_json(
        (await api.get(f"/events/{world.events}/alerts%2Fcold")).content, list[EventView]
    )
    assert events == [
        EventView("alerts/cold", 0, Text("-2C")),
        EventView("alerts/cold", 1, Text("-5C")),
    ]
    later = await api.get(f"/events/{world.events}/alerts%2Fcold", **{"from": 1, "limit": 5})
    assert codec.from_json(later.content, list[EventView]) == events[1:]
    role = codec.from_json((await api.get("/roles/admin")).content, RoleView)
    assert role.name == ADMIN_ROLE
    assert m.LedgerPermission.REGISTER_USER in role.ledger_permissions
    assert m.TransactionPermission.DIRECT_OPERATION in role.transaction_permissions


async def check_entries(api: Harness, world: World) -> None:
    base = f"/accounts/{world.data}/entries"
    listed = codec.from_json((await api.get(base, prefix="lot/")).content, list[EntryView])
    assert listed == [EntryView("lot/7", 1, Text("shipped")), EntryView("lot/8", 0, Int64(8))]
    everything = codec.from_json((await api.get(base)).content, list[EntryView])
    assert [e.key for e in everything] == ["lot/7", "lot/8", "other"]
    first = codec.from_json((await api.get(base, limit=1)).content, list[EntryView])
    assert [e.key for e in first] == ["lot/7"]

    latest = codec.from_json((await api.get(f"{base}/lot%2F7")).content, EntryView)
    assert latest == EntryView("lot/7", 1, Text("shipped"))  # the conflict changed nothing
    old = codec.from_json((await api.get(f"{base}/lot%2F7", version=0)).content, EntryView)
    assert old == EntryView("lot/7", 0, Text("harvested"))
    assert world.harvested.result is not None
    then = world.harvested.result.height
    as_of = codec.from_json((await api.get(f"{base}/lot%2F7", height=then)).content, EntryView)
    assert as_of == old
    history = codec.from_json((await api.get(f"{base}/lot%2F7/history")).content, list[EntryView])
    assert history == [old, latest]
    tail = await api.get(f"{base}/lot%2F7/history", **{"from": 1})
    assert codec.from_json(tail.content, list[EntryView]) == [latest]
    missing = await api.get(f"{base}/lot%2F7", version=5)
    assert missing.status_code == 404
    assert "version 5" in missing.json()["message"]


async def check_entry_proofs(api: Harness, world: World) -> None:
    base = f"/accounts/{world.data}/entries"
    head = codec.from_json((await api.get("/blocks/latest")).content, BlockView)
    proof = codec.from_json((await api.get(f"{base}/lot%2F7/proof")).content, EntryProof)
    assert (proof.key, proof.version, proof.value) == ("lot/7", 1, Text("shipped"))
    assert proof.header.height == head.header.height
    assert verify_entry_proof(proof, head.hash)
    assert world.harvested.result is not None
    assert world.harvested.block_hash is not None
    then = world.harvested.result.height
    old = await api.get(f"{base}/lot%2F7/proof", version=0, height=then)
    old_proof = codec.from_json(old.content, EntryProof)
    assert old_proof.value == Text("harvested")
    assert verify_entry_proof(old_proof, world.harvested.block_hash)
    assert not verify_entry_proof(old_proof, head.hash)
    absent = codec.from_json((await api.get(f"{base}/nothing/proof")).content, EntryProof)
    assert absent.version == -1
    assert verify_entry_proof(absent, head.hash)
    assert (await api.get(f"{base}/lot%2F7/proof", version=9)).status_code == 404
