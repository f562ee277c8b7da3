"""The state transition: genesis, every operation's effects, failures, rejections, determinism."""

from __future__ import annotations

import msgspec
import pytest

from jadechain import codec
from jadechain.crypto import Algorithm, KeyPair
from jadechain.ledger import genesis, operations, queries
from jadechain.ledger import model as m
from jadechain.ledger.store import Ledger, LedgerError
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64, Json, Text
from jadechain.storage import MemoryStore
from jadechain.testing import LocalChain, init_document


def test_genesis_founds_a_ledger_whose_id_is_the_genesis_hash(chain: LocalChain) -> None:
    ledger = chain.ledger
    genesis_block = ledger.block(0)
    assert genesis_block is not None
    assert ledger.id == ledger.digest(codec.encode(genesis_block.header))
    assert ledger.height == 0
    assert ledger.settings().suite == "classic"
    assert ledger.settings().accepted_signature_algorithms == ["ed25519"]
    assert [p.name for _, p in queries.participants(ledger)] == ["org0"]


def test_init_document_needs_every_participant_signature() -> None:
    org_a, org_b, admin = (
        KeyPair.generate(Algorithm.ED25519),
        KeyPair.generate(Algorithm.ED25519),
        KeyPair.generate(Algorithm.ED25519),
    )
    signed = init_document([org_a, org_b], admin)
    missing = genesis.SignedInitDocument(signed.document, signed.signatures[:1])
    with pytest.raises(genesis.InitError, match="participant 'org1' has not signed"):
        Ledger.create(MemoryStore(), missing)
    forged_entry = m.SignatureEntry(org_b.public, signed.signatures[0].signature)
    forged = genesis.SignedInitDocument(signed.document, [signed.signatures[0], forged_entry])
    with pytest.raises(
        genesis.InitError, match=r"'org1'.s signature on the init document is invalid"
    ):
        Ledger.create(MemoryStore(), forged)
    stranger = KeyPair.generate(Algorithm.ED25519)
    extra = genesis.SignedInitDocument(
        signed.document, [*signed.signatures, genesis.sign_document(signed.document, stranger)]
    )
    with pytest.raises(genesis.InitError, match="not a founding participant"):
        Ledger.create(MemoryStore(), extra)
    no_users = msgspec.structs.replace(signed.document, users=[])
    with pytest.raises(genesis.InitError, match="no initial user"):
        genesis.check(
            genesis.combine(
                no_users,
                [genesis.sign_document(no_users, org_a), genesis.sign_document(no_users, org_b)],
            )
        )
    store = MemoryStore()
    Ledger.create(store, signed)
    with pytest.raises(LedgerError, match="already holds a ledger"):
        Ledger.create(store, signed)


def test_versioned_entries_conflicts_and_history(chain: LocalChain) -> None:
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("sku", Text("v0"), m.NEW)])])
    chain.ok([m.SetEntries(account, [m.EntryWrite("sku", Text("v1"), 0)])])
    conflict = chain.submit([m.SetEntries(account, [m.EntryWrite("sku", Text("lost"), 0)])])
    assert conflict.code is m.TxCode.VERSION_CONFLICT
    assert "expected version 0, is 1" in conflict.message
    new_twice = chain.submit([m.SetEntries(account, [m.EntryWrite("sku", Text("x"), m.NEW)])])
    assert new_twice.code is m.TxCode.VERSION_CONFLICT
    assert queries.entry(chain.ledger, account, "sku") == (1, Text("v1"))
    assert queries.entry(chain.ledger, account, "sku", version=0) == (0, Text("v0"))
    assert queries.history(chain.ledger, account, "sku") == [(0, Text("v0")), (1, Text("v1"))]
    assert queries.entry(chain.ledger, account, "absent") is None


def test_failed_transaction_is_recorded_and_rolled_back_whole(chain: LocalChain) -> None:
    account = chain.data_account()
    result = chain.submit(
        [
            m.SetEntries(account, [m.EntryWrite("a", Int64(1), m.NEW)]),
            m.SetEntries(account, [m.EntryWrite("b", Int64(2), 5)]),  # fails
        ]
    )
    assert result.code is m.TxCode.VERSION_CONFLICT
    assert queries.entry(chain.ledger, account, "a") is None
    found = chain.ledger.transaction(result.tx_hash)
    assert found is not None
    assert found[1].code is m.TxCode.VERSION_CONFLICT


@pytest.mark.parametrize("error", [ValueError("deep inside"), KeyError("k"), ZeroDivisionError()])
def test_an_unexpected_input_error_fails_its_transaction_not_the_block(
    chain: LocalChain, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    account = chain.data_account()
    set_entries = operations.HANDLERS[m.SetEntries]

    def half_done(context: operations.Context, operation: m.SetEntries) -> None:
        set_entries(context, operation)  # writes, then a check that was missing raises
        raise error

    monkeypatch.setitem(operations.HANDLERS, m.SetEntries, half_done)
    result = chain.submit([m.SetEntries(account, [m.EntryWrite("a", Int64(1), m.NEW)])])
    assert result.code is m.TxCode.INVALID_OPERATION
    assert result.message == f"invalid operation ({type(error).__name__})"
    assert queries.entry(chain.ledger, account, "a") is None  # rolled back
    monkeypatch.setitem(operations.HANDLERS, m.SetEntries, set_entries)
    after = chain.submit([m.SetEntries(account, [m.EntryWrite("a", Int64(2), m.NEW)])])
    assert after.code is m.TxCode.SUCCESS


def test_a_machine_dependent_error_still_stops_the_block(
    chain: LocalChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = chain.data_account()

    def too_deep(context: operations.Context, operation: m.SetEntries) -> None:
        raise RecursionError("the stack of this machine")

    monkeypatch.setitem(operations.HANDLERS, m.SetEntries, too_deep)
    with pytest.raises(RecursionError):
        chain.submit([m.SetEntries(account, [m.EntryWrite("a", Int64(1), m.NEW)])])


def test_entries_listing_by_prefix_and_as_of_height(chain: LocalChain) -> None:
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("item/1", Json.of({"a": 1}), m.NEW),
                                     m.EntryWrite("item/2", Int64(2), m.NEW),
                                     m.EntryWrite("other", Text("o"), m.NEW)])])  # fmt: skip
    height_before = chain.ledger.height
    chain.ok([m.SetEntries(account, [m.EntryWrite("item/2", Int64(3), 0)])])
    listed = queries.entries(chain.ledger, account, prefix="item/")
    assert [(k, v) for k, v, _ in listed] == [("item/1", 0), ("item/2", 1)]
    assert queries.entry(chain.ledger, account, "item/2", height=height_before) == (0, Int64(2))
    assert queries.entry(chain.ledger, account, "item/2") == (1, Int64(3))


def test_rejections_never_enter_a_block(chain: LocalChain) -> None:
    account = chain.data_account()
    op = m.SetEntries(account, [m.EntryWrite("k", Int64(1), m.NEW)])
    tx = chain.tx([op])
    chain.block([tx])
    again = chain.block([tx])
    assert again.block.transactions == []
    assert again.rejected[0][1] == "duplicate transaction"
    late = sign(
        new_content(chain.ledger.id, [op], chain.ledger.head.time_ms + 10**9), [chain.admin]
    )
    assert "more than 60000 ms" in chain.block([late]).rejected[0][1]
    other_ledger = m.TransactionContent(
        chain.ledger.digest(b"other"), [op], late.content.time_ms, b""
    )
    wrong = sign(other_ledger, [chain.admin])
    assert chain.block([wrong]).rejected[0][1] == "transaction is for another ledger"
    good = chain.tx([op])
    forged = m.SignedTransaction(
        good.content, [m.SignatureEntry(chain.admin.public, chain.admin.sign(b"something else"))]
    )
    assert chain.block([forged]).rejected[0][1] == "bad signature"
    twice = chain.tx([m.SetEntries(account, [m.EntryWrite("z", Int64(1), m.NEW)])])
    outcome = chain.block([twice, twice])
    assert len(outcome.block.transactions) == 1
    assert outcome.rejected[0][1] == "duplicate transaction"


def test_identical_requests_are_distinct_by_nonce(chain: LocalChain) -> None:
    account = chain.data_account()
    ops = [m.SetEntries(account, [m.EntryWrite("n", Int64(1), m.NEW)])]
    first, second = chain.tx(ops), chain.tx(ops)
    assert first.content.nonce != second.content.nonce
    outcome = chain.block([first, second])
    assert [r.code for r in outcome.block.results] == [m.TxCode.SUCCESS, m.TxCode.VERSION_CONFLICT]


def test_unregistered_or_frozen_signer_is_denied(chain: LocalChain) -> None:
    stranger = chain.key()
    result = chain.submit([m.RegisterDataAccount(chain.key().public)], by=[stranger])
    assert result.code is m.TxCode.PERMISSION_DENIED
    assert "is not a user" in result.message
    alice = chain.user()
    chain.ok([m.UpdateUserState(alice.address, m.UserState.FROZEN)])
    frozen = chain.submit([m.RegisterDataAccount(chain.key().public)], by=[alice])
    assert frozen.code is m.TxCode.PERMISSION_DENIED
    chain.ok([m.UpdateUserState(alice.address, m.UserState.REVOKED)])
    back = chain.submit([m.UpdateUserState(alice.address, m.UserState.NORMAL)])
    assert back.code is m.TxCode.INVALID_STATE


def test_events_have_sequences(chain: LocalChain) -> None:
    account = chain.key()
    chain.ok([m.RegisterEventAccount(account.public)])
    address = account.address
    chain.ok([m.PublishEvents(address, [m.EventWrite("shipped", Text("a"), m.NEW),
                                        m.EventWrite("shipped", Text("b"), 0)])])  # fmt: skip
    stale = chain.submit([m.PublishEvents(address, [m.EventWrite("shipped", Text("c"), 0)])])
    assert stale.code is m.TxCode.VERSION_CONFLICT
    assert queries.events(chain.ledger, address, "shipped") == [(0, Text("a")), (1, Text("b"))]
    assert queries.events(chain.ledger, address, "shipped", from_sequence=1) == [(1, Text("b"))]
    assert queries.topic_sequence(chain.ledger, address, "shipped") == 1


def test_contract_deploy_upgrade_and_invoke_without_runtime(chain: LocalChain) -> None:
    contract = chain.key()
    deployed = chain.ok([m.DeployContract(contract.public, "def f(): pass")])
    assert deployed.operation_results == [Int64(0)]
    stale = chain.submit([m.DeployContract(contract.public, "v2", expected_version=5)])
    assert stale.code is m.TxCode.VERSION_CONFLICT
    assert chain.ok([m.DeployContract(contract.public, "v2", 0)]).operation_results == [Int64(1)]
    invoked = chain.submit([m.InvokeContract(contract.address, "f")])
    assert invoked.code is m.TxCode.CONTRACT_ERROR
    account = queries.account(chain.ledger, contract.address)
    assert account is not None
    assert account.contract_version == 1


def test_participants_and_settings(chain: LocalChain) -> None:
    node = chain.key()
    chain.ok([m.RegisterParticipant("org9", node.public, "127.0.0.1", 7000)])
    chain.ok([m.UpdateParticipantState(node.address, m.ParticipantState.ACTIVE)])
    back = chain.submit([m.UpdateParticipantState(node.address, m.ParticipantState.READY)])
    assert back.code is m.TxCode.INVALID_STATE
    chain.ok(
        [
            m.UpdateLedgerSettings(
                time_window_ms=5000, accepted_signature_algorithms=["ed25519", "sm2"]
            )
        ]
    )
    settings = chain.ledger.settings()
    assert settings.time_window_ms == 5000
    assert settings.accepted_signature_algorithms == ["ed25519", "sm2"]
    bad = chain.submit([m.UpdateLedgerSettings(accepted_signature_algorithms=["sha256"])])
    assert bad.code is m.TxCode.INVALID_OPERATION


def test_roles_policies_and_account_owners(chain: LocalChain) -> None:
    writer_role = m.RoleSpec(
        "writer", [m.LedgerPermission.WRITE_DATA], [m.TransactionPermission.DIRECT_OPERATION]
    )
    reader_role = m.RoleSpec("reader", [], [m.TransactionPermission.DIRECT_OPERATION])
    chain.ok([m.ConfigureRoles([writer_role, reader_role])])
    bob = chain.user(["WRITER"])
    account = chain.data_account()  # owned by admin
    write = m.SetEntries(account, [m.EntryWrite("k", Int64(1), m.NEW)])
    not_owner = chain.submit([write], by=[bob])
    assert not_owner.code is m.TxCode.PERMISSION_DENIED
    assert "may write to account" in not_owner.message
    chain.ok([m.SetAccountPermission(account, writer_role="writer")])
    chain.ok([write], by=[bob])
    by_bob = chain.submit([m.SetAccountPermission(account, add_owners=[bob.address])], by=[bob])
    assert by_bob.code is m.TxCode.PERMISSION_DENIED
    chain.ok([m.AuthorizeUser(bob.address, grant=["reader"], policy=m.RolePolicy.INTERSECT)])
    write2 = m.SetEntries(account, [m.EntryWrite("k", Int64(2), 0)])
    assert chain.submit([write2], by=[bob]).code is m.TxCode.PERMISSION_DENIED
    chain.ok([m.AuthorizeUser(bob.address, policy=m.RolePolicy.UNION)])
    chain.ok([write2], by=[bob])
    unknown = chain.submit([m.AuthorizeUser(bob.address, grant=["ghost"])])
    assert unknown.code is m.TxCode.NOT_FOUND


def test_same_transactions_give_the_same_block_on_two_stores() -> None:
    first, second = LocalChain(MemoryStore()), LocalChain(MemoryStore())
    # Re-found the second on the first's exact init document so both ledgers are one ledger.
    second_store = MemoryStore()
    second.ledger = Ledger.create(second_store, first.ledger.init_document())
    assert second.ledger.id == first.ledger.id
    account = first.key()
    txs = [first.tx([m.RegisterDataAccount(account.public)])]
    txs.append(first.tx([m.SetEntries(account.address, [m.EntryWrite("k", Int64(7), m.NEW)])]))
    time_ms = first.ledger.head.time_ms + 1000
    one = first.ledger.append(txs, time_ms)
    two = second.ledger.append(txs, time_ms)
    assert one.block_hash == two.block_hash
    assert one.block.header.state_root == two.block.header.state_root


def test_commit_refuses_a_block_that_does_not_extend_the_head(chain: LocalChain) -> None:
    outcome = chain.ledger.apply([], chain.ledger.head.time_ms + 1)
    chain.ledger.commit(outcome)
    with pytest.raises(LedgerError, match="does not extend the head"):
        chain.ledger.commit(outcome)


def test_reopen_continues_from_the_stored_head() -> None:
    store = MemoryStore()
    chain = LocalChain(store)
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("k", Int64(1), m.NEW)])])
    reopened = Ledger(store)
    assert reopened.id == chain.ledger.id
    assert reopened.height == chain.ledger.height
    assert reopened.head_hash == chain.ledger.head_hash
    assert queries.entry(reopened, account, "k") == (0, Int64(1))
