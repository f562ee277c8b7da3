"""TxBuilder: every operation's record, merging, content, signatures, and refusals."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from jadechain.crypto import Algorithm, Digest, KeyPair, hash_data, verify
from jadechain.ledger import model as m
from jadechain.ledger.transactions import transaction_hash
from jadechain.ledger.values import Bool, Bytes, Int64, Json, Text
from jadechain.sdk import NEW, TxBuilder
from jadechain.testing import LocalChain

LEDGER = hash_data(Algorithm.SHA256, b"a ledger")
KEY = KeyPair.generate(Algorithm.ED25519)
OTHER = KeyPair.generate(Algorithm.ED25519)


def builder() -> TxBuilder:
    return TxBuilder(LEDGER, clock=lambda: 1_700_000_000_000)


OPERATIONS: list[tuple[str, Callable[[TxBuilder], TxBuilder], m.Operation]] = [
    (
        "register_user",
        lambda b: b.register_user(KEY.public, ["clerk"], "intersect"),
        m.RegisterUser(KEY.public, ["clerk"], m.RolePolicy.INTERSECT),
    ),
    ("register_user_defaults", lambda b: b.register_user(KEY), m.RegisterUser(KEY.public)),
    (
        "update_user_state",
        lambda b: b.update_user_state(KEY.address, "frozen"),
        m.UpdateUserState(KEY.address, m.UserState.FROZEN),
    ),
    (
        "register_data_account",
        lambda b: b.register_data_account(KEY),
        m.RegisterDataAccount(KEY.public),
    ),
    (
        "set_entry",
        lambda b: b.set_entry(KEY.public, "lot-7", "harvested"),
        m.SetEntries(KEY.address, [m.EntryWrite("lot-7", Text("harvested"), NEW)]),
    ),
    (
        "register_event_account",
        lambda b: b.register_event_account(KEY.public),
        m.RegisterEventAccount(KEY.public),
    ),
    (
        "publish_event",
        lambda b: b.publish_event(KEY.address, "lots", {"lot": 7}, 3),
        m.PublishEvents(KEY.address, [m.EventWrite("lots", Json('{"lot":7}'), 3)]),
    ),
    (
        "deploy_contract",
        lambda b: b.deploy_contract(KEY, "def f(ctx):\n    return 1\n"),
        m.DeployContract(KEY.public, "def f(ctx):\n    return 1\n", NEW),
    ),
    (
        "upgrade_contract",
        lambda b: b.deploy_contract(KEY.public, "x = 1", expected_version=2),
        m.DeployContract(KEY.public, "x = 1", 2),
    ),
    (
        "invoke_contract",
        lambda b: b.invoke_contract(KEY.address, "transfer", "bob", 5, True, b"\x01", Int64(9)),
        m.InvokeContract(
            KEY.address, "transfer", [Text("bob"), Int64(5), Bool(True), Bytes(b"\x01"), Int64(9)]
        ),
    ),
    (
        "freeze_contract",
        lambda b: b.freeze_contract(KEY.address),
        m.SetContractState(KEY.address, True),
    ),
    (
        "unfreeze_contract",
        lambda b: b.unfreeze_contract(KEY.address),
        m.SetContractState(KEY.address, False),
    ),
    (
        "register_participant",
        lambda b: b.register_participant("org9", KEY, "10.0.0.9", 7080),
        m.RegisterParticipant("org9", KEY.public, "10.0.0.9", 7080),
    ),
    (
        "update_participant_state",
        lambda b: b.update_participant_state(KEY.address, m.ParticipantState.ACTIVE),
        m.UpdateParticipantState(KEY.address, m.ParticipantState.ACTIVE),
    ),
    (
        "configure_role",
        lambda b: b.configure_role(
            "CLERK", ["write_data"], [m.TransactionPermission.DIRECT_OPERATION]
        ),
        m.ConfigureRoles(
            [
                m.RoleSpec(
                    "CLERK",
                    [m.LedgerPermission.WRITE_DATA],
                    [m.TransactionPermission.DIRECT_OPERATION],
                )
            ]
        ),
    ),
    (
        "authorize_user",
        lambda b: b.authorize_user(KEY, grant=["CLERK"], revoke=["ADMIN"], policy="union"),
        m.AuthorizeUser(KEY.address, ["CLERK"], ["ADMIN"], m.RolePolicy.UNION),
    ),
    (
        "set_account_permission",
        lambda b: b.set_account_permission(KEY.address, [OTHER], [KEY.address], writer_role=""),
        m.SetAccountPermission(KEY.address, [OTHER.address], [KEY.address], ""),
    ),
    (
        "update_ledger_settings",
        lambda b: b.update_ledger_settings(
            time_window_ms=60_000, accepted_signature_algorithms=["sm2"]
        ),
        m.UpdateLedgerSettings(60_000, None, ["sm2"]),
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [o[1:] for o in OPERATIONS], ids=[o[0] for o in OPERATIONS]
)
def test_each_operation(make: Callable[[TxBuilder], TxBuilder], expected: m.Operation) -> None:
    built = make(builder())
    assert built.operations == [expected]
    content = built.build(nonce=b"n")
    assert content == m.TransactionContent(LEDGER, [expected], 1_700_000_000_000, b"n")


def test_every_operation_type_is_covered() -> None:
    covered = {type(expected) for _, _, expected in OPERATIONS}
    assert covered == set(m.Operation.__args__)


def test_chaining_returns_the_builder_and_signatures_verify() -> None:
    b = builder()
    assert b.register_data_account(KEY) is b
    signers = [KeyPair.generate(Algorithm.ED25519), KeyPair.generate(Algorithm.SM2)]
    tx = b.set_entry(KEY, "k", 1).sign(*signers)
    message = transaction_hash(tx.content).to_bytes()
    assert [e.public_key for e in tx.endpoint_signatures] == [k.public for k in signers]
    assert all(verify(e.public_key, message, e.signature) for e in tx.endpoint_signatures)
    assert tx.node_signatures == []
    assert len(tx.content.nonce) == 16


def test_nonces_make_identical_requests_distinct() -> None:
    b = builder().register_data_account(KEY)
    assert b.build().nonce != b.build().nonce
    assert transaction_hash(b.build(b"same")) == transaction_hash(b.build(b"same"))


def test_consecutive_writes_to_one_account_merge_in_order() -> None:
    b = (
        builder()
        .set_entry(KEY, "a", "1")
        .set_entry(KEY.address, "b", 2, expected_version=0)
        .set_entry(OTHER, "c", True)
        .set_entry(KEY, "d", b"4")
        .publish_event(KEY, "t", "x", NEW)
        .publish_event(KEY, "t", "y", 0)
        .configure_role("A", [], [])
        .configure_role("B", ["write_events"], ["contract_operation"])
    )
    assert [type(o) for o in b.operations] == [
        m.SetEntries,
        m.SetEntries,
        m.SetEntries,
        m.PublishEvents,
        m.ConfigureRoles,
    ]
    first, second, third, events, roles = b.operations
    assert isinstance(first, m.SetEntries)
    assert [e.key for e in first.entries] == ["a", "b"]
    assert first.entries[1] == m.EntryWrite("b", Int64(2), 0)
    assert isinstance(second, m.SetEntries)
    assert second.account == OTHER.address
    assert isinstance(third, m.SetEntries)
    assert third.entries == [m.EntryWrite("d", Bytes(b"4"), NEW)]
    assert isinstance(events, m.PublishEvents)
    assert [e.expected_sequence for e in events.events] == [
        -1,
        0,
    ]
    assert isinstance(roles, m.ConfigureRoles)
    assert [r.name for r in roles.roles] == ["A", "B"]
    assert len(b) == 5


def test_a_built_content_does_not_change_when_the_builder_goes_on() -> None:
    b = builder().set_entry(KEY, "a", 1)
    content = b.build()
    b.set_entry(KEY, "b", 2)
    [operation] = content.operations
    assert isinstance(operation, m.SetEntries)
    assert len(operation.entries) == 1


def test_a_full_operation_starts_another() -> None:
    b = builder()
    for i in range(m.ENTRIES_PER_OPERATION_MAX + 1):
        b.set_entry(KEY, f"k{i}", i)
    sizes = [len(o.entries) for o in b.operations if isinstance(o, m.SetEntries)]
    assert sizes == [m.ENTRIES_PER_OPERATION_MAX, 1]


def test_ledger_id_as_base58_and_the_clock() -> None:
    ticks = itertools.count(5)
    b = TxBuilder(LEDGER.to_base58(), clock=lambda: next(ticks)).register_data_account(KEY)
    assert b.ledger_id == LEDGER
    assert [b.build().time_ms, b.build().time_ms] == [5, 6]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda b: b.build(), "no operations"),
        (lambda b: b.register_data_account(KEY).sign(), "at least one key pair"),
        (lambda b: b.register_data_account(KEY).sign(KEY.public), "KeyPair"),
        (lambda b: b.register_data_account(KEY).build(nonce=b"x" * 33), "nonce"),
        (lambda b: b.set_entry(KEY, "a\x00b", 1), "NUL"),
        (lambda b: b.set_entry(KEY, "", 1), "1-1024 bytes"),
        (lambda b: b.set_entry(KEY, "k" * 1025, 1), "1-1024 bytes"),
        (lambda b: b.set_entry(KEY, "\ud800", 1), "not valid Unicode"),
        (lambda b: b.set_entry(KEY, "k", 2**63), "int64 range"),
        (lambda b: b.set_entry(KEY, "k", 1.5), "unsupported value type"),
        (lambda b: b.set_entry(KEY, "k", None), "unsupported value type"),
        (lambda b: b.set_entry(KEY, "k", 1, expected_version=-2), "NEW"),
        (lambda b: b.set_entry(KEY, "k", 1, expected_version=True), "must be an int"),
        (lambda b: b.set_entry("not-an-address", "k", 1), "not an address"),
        (lambda b: b.set_entry(KEY, 7, 1), "key must be text"),
        (lambda b: b.publish_event(KEY, "t\x00", 1, NEW), "NUL"),
        (lambda b: b.invoke_contract(KEY, "m", object()), "unsupported value type"),
        (lambda b: b.register_user("key"), "PublicKey or KeyPair"),
        (lambda b: b.register_user(KEY, "ADMIN"), "a list"),
        (lambda b: b.register_user(KEY, policy="maybe"), "invalid policy 'maybe': one of union"),
        (lambda b: b.update_user_state(KEY, "asleep"), "invalid state"),
        (lambda b: b.configure_role("R", ["fly"], []), "invalid ledger permission"),
        (lambda b: b.register_participant("p" * 65, KEY), "1-64 bytes"),
        (lambda b: b.register_participant("p", KEY, port=70000), "port out of range"),
        (lambda b: b.deploy_contract(KEY, "  "), "non-empty"),
        (lambda b: b.update_ledger_settings(), "at least one setting"),
        (lambda b: b.update_ledger_settings(time_window_ms="1"), "must be an int"),
    ],
)
def test_bad_input_is_a_clear_value_error(
    action: Callable[[TxBuilder], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        action(builder())


def test_bad_ledger_id_and_clock() -> None:
    with pytest.raises(ValueError, match="not a ledger id"):
        TxBuilder("not base58 0OIl")
    with pytest.raises(ValueError, match="Digest or Base58"):
        TxBuilder(b"raw")  # type: ignore[arg-type]
    bad_clock = TxBuilder(LEDGER, clock=lambda: 1.5).register_data_account(KEY)  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="milliseconds as an int"):
        bad_clock.build()


def test_too_many_operations() -> None:
    b = builder()
    for _ in range(m.OPERATIONS_PER_TX_MAX + 1):
        b.register_data_account(KEY)
    with pytest.raises(ValueError, match="at most 1024 operations"):
        b.build()


def test_the_ledger_executes_what_the_builder_makes(chain: LocalChain) -> None:
    def tx(make: Callable[[TxBuilder], TxBuilder], *by: KeyPair) -> m.TransactionResult:
        b = make(TxBuilder(chain.ledger.id, clock=lambda: chain.ledger.head.time_ms + 1000))
        outcome = chain.block([b.sign(*(by or (chain.admin,)))])
        assert not outcome.rejected
        [result] = outcome.block.results
        assert result.code is m.TxCode.SUCCESS, result.message
        return result

    data, events, clerk = chain.key(), chain.key(), chain.key()
    tx(lambda b: b.configure_role("clerk", ["write_data"], ["direct_operation"]))
    tx(lambda b: b.register_user(clerk, ["clerk"]).register_data_account(data))
    tx(lambda b: b.register_event_account(events).set_account_permission(data, [clerk]))
    tx(lambda b: b.set_entry(data, "lot-7", "harvested").set_entry(data, "weight", 1200), clerk)
    tx(lambda b: b.set_entry(data, "lot-7", {"state": "shipped"}, 0), clerk)
    tx(lambda b: b.publish_event(events, "lots", 7, NEW).publish_event(events, "lots", 8, 0))
    tx(lambda b: b.authorize_user(clerk, revoke=["clerk"]).update_user_state(clerk, "frozen"))
    tx(lambda b: b.update_ledger_settings(time_window_ms=120_000))
    node = chain.key()
    tx(lambda b: b.register_participant("org1", node).update_participant_state(node, "active"))


def test_digest_ledger_ids_keep_their_algorithm() -> None:
    sm3 = hash_data(Algorithm.SM3, b"x")
    content = TxBuilder(sm3).register_data_account(KEY).build()
    assert isinstance(content.ledger, Digest)
    assert content.ledger.algorithm is Algorithm.SM3
