"""The permission matrix: every operation, with a signer who may and a signer who may not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jadechain.crypto import PublicKey, address_of
from jadechain.ledger import model as m
from jadechain.ledger.values import Int64, Text
from jadechain.testing import LocalChain

# A role that may send transactions but holds no ledger permission at all.
NOBODY = m.RoleSpec(
    "nobody",
    [],
    [m.TransactionPermission.DIRECT_OPERATION, m.TransactionPermission.CONTRACT_OPERATION],
)


def _setup(chain: LocalChain) -> dict[str, str]:
    """Objects the operations act on, created by the admin."""
    chain.ok([m.ConfigureRoles([NOBODY])])
    data, events, contract, node = chain.key(), chain.key(), chain.key(), chain.key()
    chain.ok([m.RegisterDataAccount(data.public), m.RegisterEventAccount(events.public),
              m.DeployContract(contract.public, "code"),
              m.RegisterParticipant("n", node.public)])  # fmt: skip
    user = chain.user(["nobody"])
    return {
        "data": data.address,
        "events": events.address,
        "contract_key": contract.public.to_base58(),
        "contract": contract.address,
        "node": node.address,
        "user": user.address,
    }


Build = Callable[[LocalChain, dict[str, str]], m.Operation]

OPERATIONS: dict[str, Build] = {
    "register_user": lambda c, o: m.RegisterUser(c.key().public),
    "update_user_state": lambda c, o: m.UpdateUserState(o["user"], m.UserState.FROZEN),
    "register_data_account": lambda c, o: m.RegisterDataAccount(c.key().public),
    "set_entries": lambda c, o: m.SetEntries(o["data"], [m.EntryWrite("k", Int64(1), m.NEW)]),
    "register_event_account": lambda c, o: m.RegisterEventAccount(c.key().public),
    "publish_events": lambda c, o: m.PublishEvents(
        o["events"], [m.EventWrite("t", Text("x"), m.NEW)]
    ),
    "deploy_contract": lambda c, o: m.DeployContract(c.key().public, "code"),
    "upgrade_contract": lambda c, o: m.DeployContract(
        PublicKey.from_base58(o["contract_key"]), "code2", 0
    ),
    "register_participant": lambda c, o: m.RegisterParticipant("p", c.key().public),
    "update_participant_state": lambda c, o: m.UpdateParticipantState(
        o["node"], m.ParticipantState.ACTIVE
    ),
    "configure_roles": lambda c, o: m.ConfigureRoles([m.RoleSpec("r", [], [])]),
    "authorize_user": lambda c, o: m.AuthorizeUser(o["user"], grant=["nobody"]),
    "set_account_permission": lambda c, o: m.SetAccountPermission(o["data"], writer_role="nobody"),
    "update_ledger_settings": lambda c, o: m.UpdateLedgerSettings(time_window_ms=30_000),
    "set_contract_state": lambda c, o: m.SetContractState(o["contract"], True),
}


def test_matrix_covers_every_operation() -> None:
    tags = {cls.__struct_config__.tag for cls in m.Operation.__args__}
    covered = set(OPERATIONS) - {"upgrade_contract"}
    assert tags - {"invoke_contract"} == covered


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_allowed_signer_passes_and_unprivileged_signer_is_denied(
    chain: LocalChain, name: str
) -> None:
    objects = _setup(chain)
    nobody = chain.user(["nobody"])
    denied = chain.submit([OPERATIONS[name](chain, objects)], by=[nobody])
    assert denied.code is m.TxCode.PERMISSION_DENIED, (name, denied.message)
    allowed = chain.submit([OPERATIONS[name](chain, objects)])
    assert allowed.code is m.TxCode.SUCCESS, (name, allowed.message)


def test_transaction_permissions_gate_direct_operations(chain: LocalChain) -> None:
    chain.ok([m.ConfigureRoles([m.RoleSpec("mute", [m.LedgerPermission.REGISTER_USER], [])])])
    mute = chain.user(["mute"])
    result = chain.submit([m.RegisterUser(chain.key().public)], by=[mute])
    assert result.code is m.TxCode.PERMISSION_DENIED
    assert "direct_operation" in result.message


def test_invoke_needs_contract_operation_permission(chain: LocalChain) -> None:
    objects = _setup(chain)
    chain.ok(
        [m.ConfigureRoles([m.RoleSpec("direct", [], [m.TransactionPermission.DIRECT_OPERATION])])]
    )
    direct_only = chain.user(["direct"])
    contract = PublicKey.from_base58(objects["contract_key"])
    result = chain.submit([m.InvokeContract(address_of(contract), "f")], by=[direct_only])
    assert result.code is m.TxCode.PERMISSION_DENIED
    assert "contract_operation" in result.message


def test_node_signer_must_be_participant_or_approver(chain: LocalChain) -> None:
    stranger = chain.key()
    content_tx = chain.tx([m.RegisterUser(chain.key().public)])
    from jadechain.ledger.transactions import sign

    tx = sign(content_tx.content, [chain.admin], [stranger])
    [result] = chain.block([tx]).block.results
    assert result.code is m.TxCode.PERMISSION_DENIED
    assert "may not approve" in result.message
    tx = sign(chain.tx([m.RegisterUser(chain.key().public)]).content, [chain.admin], [chain.node])
    [result] = chain.block([tx]).block.results
    assert result.code is m.TxCode.SUCCESS
