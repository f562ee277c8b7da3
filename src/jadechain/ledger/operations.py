"""One handler per operation: check permissions against the signers, validate, change state.

A handler raises `OperationFailed(code, message)` to fail its transaction; the executor then rolls
the transaction's changes back and records it with that code. Handlers read and write only through
the `State` overlay, never the clock or randomness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

from jadechain import codec
from jadechain.crypto import CryptoError, PublicKey, address_of, algorithm_from_name, is_address
from jadechain.ledger import model as m
from jadechain.ledger.security import (
    ROLES_PER_USER_MAX,
    RoleRecord,
    UserRecord,
    normalize_role,
)
from jadechain.ledger.state import (
    SETTINGS_KEY,
    AccountRecord,
    LedgerSettings,
    ParticipantRecord,
    State,
    account_key,
    code_key,
    encode_counter,
    entry_key_of_pointer,
    event_key,
    latest_version_key,
    participant_key,
    role_key,
    topic_key,
    user_key,
)
from jadechain.ledger.values import Int64, InvalidValueError, Value

CODE_BYTES_MAX = 1024 * 1024
TIME_WINDOW_MS_MAX = 24 * 3600 * 1000
FUEL_MAX = 10**12

Permission = m.LedgerPermission | m.TransactionPermission


class ContractRuntime(Protocol):
    """Runs contract code (`jadechain.contract.runtime.PythonRuntime` is the real one)."""

    def check(self, code: str) -> None:
        """Refuse code that cannot run: OperationFailed(INVALID_OPERATION, why, with the line)."""

    def invoke(
        self, context: Context, account: AccountRecord, op: m.InvokeContract
    ) -> Value | None:
        """Run `op.method` of the contract `account` holds; OperationFailed on failure."""


class OperationFailed(Exception):  # noqa: N818 - it is a failure outcome, not a program error
    def __init__(self, code: m.TxCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Context:
    """What a handler may see: the state overlay, the signers and the block being built."""

    state: State
    signers: list[tuple[str, UserRecord]]  # (address, record) of each endpoint signer
    settings: LedgerSettings
    height: int
    time_ms: int
    tx_hash: bytes
    contract_runtime: ContractRuntime | None = None
    derived: list[m.Operation] = field(default_factory=list)  # operations contracts made
    fuel_used: int = 0  # by the contracts this transaction invoked
    _roles: dict[str, RoleRecord] = field(default_factory=dict)
    _permissions: frozenset[Permission] | None = None

    def roles_of(self, *users: UserRecord) -> dict[str, RoleRecord]:
        """The role records that `users` hold, read once per transaction."""
        names = {name for user in users for name in user.roles}
        for name in names - self._roles.keys():
            role = self.state.role(name)
            if role is not None:
                self._roles[name] = role
        return self._roles

    def roles(self) -> dict[str, RoleRecord]:
        return self.roles_of(*(user for _, user in self.signers))

    def permissions(self) -> frozenset[Permission]:
        """The union of the signers' permissions: an operation needs one allowed signer."""
        if self._permissions is None:
            sets = [self.state.permissions_of(user) for _, user in self.signers]
            self._permissions = frozenset().union(*sets)
        return self._permissions

    def forget_permissions(self) -> None:
        """Called after a change to users or roles: recompute on the next check."""
        self._permissions = None
        self._roles.clear()

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions():
            raise OperationFailed(
                m.TxCode.PERMISSION_DENIED, f"no signer has permission {permission.value}"
            )

    def signer_addresses(self) -> list[str]:
        return [address for address, _ in self.signers]


def fail(code: m.TxCode, message: str) -> OperationFailed:
    return OperationFailed(code, message)


def _checked_key(context: Context, public_key: PublicKey) -> str:
    accepted = context.settings.accepted_signature_algorithms
    if public_key.algorithm.info.name not in accepted:
        raise fail(
            m.TxCode.INVALID_OPERATION, f"{public_key.algorithm.info.name} keys not accepted"
        )
    try:
        public_key.validate()
    except CryptoError as error:
        raise fail(m.TxCode.INVALID_OPERATION, str(error)) from None
    return address_of(public_key)


def _role_names(context: Context, names: list[str]) -> list[str]:
    try:
        normalized = [normalize_role(name) for name in names]
    except ValueError as error:
        raise fail(m.TxCode.INVALID_OPERATION, str(error)) from None
    for name in normalized:
        if context.state.role(name) is None:
            raise fail(m.TxCode.NOT_FOUND, f"no role {name}")
    return normalized


def _check_name(kind: str, text: str, limit: int = m.KEY_BYTES_MAX) -> None:
    data = text.encode()
    if not data or len(data) > limit or b"\x00" in data:
        raise fail(m.TxCode.INVALID_OPERATION, f"{kind} must be 1-{limit} bytes without NUL")


# --- users and roles -----------------------------------------------------------------------------


def register_user(context: Context, op: m.RegisterUser) -> Value | None:
    context.require(m.LedgerPermission.REGISTER_USER)
    address = _checked_key(context, op.public_key)
    if context.state.user(address) is not None:
        raise fail(m.TxCode.ALREADY_EXISTS, f"user {address} is already registered")
    roles = _role_names(context, op.roles)
    if roles:
        context.require(m.LedgerPermission.AUTHORIZE_USERS)
    record = UserRecord(op.public_key, m.UserState.NORMAL, sorted(set(roles)), op.policy)
    context.state.save(user_key(address), record)
    return None


def update_user_state(context: Context, op: m.UpdateUserState) -> Value | None:
    context.require(m.LedgerPermission.UPDATE_USER_STATE)
    user = context.state.user(op.address)
    if user is None:
        raise fail(m.TxCode.NOT_FOUND, f"no user {op.address}")
    if user.state is m.UserState.REVOKED:
        raise fail(m.TxCode.INVALID_STATE, f"user {op.address} is revoked for good")
    record = UserRecord(user.public_key, op.state, user.roles, user.policy)
    context.state.save(user_key(op.address), record)
    _refresh_signer(context, op.address, record)
    return None


def _refresh_signer(context: Context, address: str, record: UserRecord) -> None:
    """A later operation of the same transaction sees a signer's new roles or state."""
    context.signers = [(a, record if a == address else u) for a, u in context.signers]
    context.forget_permissions()


def configure_roles(context: Context, op: m.ConfigureRoles) -> Value | None:
    context.require(m.LedgerPermission.CONFIGURE_ROLES)
    for spec in op.roles:
        try:
            name = normalize_role(spec.name)
        except ValueError as error:
            raise fail(m.TxCode.INVALID_OPERATION, str(error)) from None
        context.state.save(role_key(name), RoleRecord.of(spec))
    context.forget_permissions()
    return None


def authorize_user(context: Context, op: m.AuthorizeUser) -> Value | None:
    context.require(m.LedgerPermission.AUTHORIZE_USERS)
    user = context.state.user(op.address)
    if user is None:
        raise fail(m.TxCode.NOT_FOUND, f"no user {op.address}")
    grant = _role_names(context, op.grant)
    revoke = {normalize_role(name) for name in op.revoke}
    roles = sorted((set(user.roles) | set(grant)) - revoke)
    if len(roles) > ROLES_PER_USER_MAX:
        raise fail(m.TxCode.INVALID_OPERATION, f"a user holds at most {ROLES_PER_USER_MAX} roles")
    record = UserRecord(user.public_key, user.state, roles, op.policy or user.policy)
    context.state.save(user_key(op.address), record)
    _refresh_signer(context, op.address, record)
    return None


# --- accounts ------------------------------------------------------------------------------------


def _register_account(context: Context, public_key: PublicKey, kind: m.AccountKind) -> str:
    address = _checked_key(context, public_key)
    if context.state.account(address) is not None:
        raise fail(m.TxCode.ALREADY_EXISTS, f"account {address} already exists")
    owners = sorted(set(context.signer_addresses()))
    context.state.save(account_key(address), AccountRecord(kind, public_key, owners))
    return address


def register_data_account(context: Context, op: m.RegisterDataAccount) -> Value | None:
    context.require(m.LedgerPermission.REGISTER_DATA_ACCOUNT)
    _register_account(context, op.public_key, m.AccountKind.DATA)
    return None


def register_event_account(context: Context, op: m.RegisterEventAccount) -> Value | None:
    context.require(m.LedgerPermission.REGISTER_EVENT_ACCOUNT)
    _register_account(context, op.public_key, m.AccountKind.EVENT)
    return None


def _writable(context: Context, address: str, kind: m.AccountKind) -> AccountRecord:
    account = context.state.account(address)
    if account is None or account.kind is not kind:
        raise fail(m.TxCode.NOT_FOUND, f"no {kind.value} account {address}")
    if account.frozen:
        raise fail(m.TxCode.INVALID_STATE, f"account {address} is frozen")
    signers = context.signer_addresses()
    if any(signer in account.owners for signer in signers):
        return account
    role = account.writer_role
    if role and any(role in user.roles for _, user in context.signers):
        return account
    raise fail(m.TxCode.PERMISSION_DENIED, f"no signer may write to account {address}")


def _check_value(value: Value) -> None:
    try:
        value.check()
    except InvalidValueError as error:
        raise fail(m.TxCode.INVALID_OPERATION, str(error)) from None


def _advance(state: State, pointer: bytes, expected: int, subject: str, noun: str) -> int:
    """The next version (or sequence) at `pointer`, if `expected` is the current one."""
    current = state.counter(pointer)
    current = -1 if current is None else current
    if expected != current:
        message = f"{subject}: expected {noun} {expected}, is {current}"
        raise fail(m.TxCode.VERSION_CONFLICT, message)
    state.put(pointer, encode_counter(current + 1))
    return current + 1


def _check_count(items: list[Any], what: str) -> None:
    if not items or len(items) > m.ENTRIES_PER_OPERATION_MAX:
        raise fail(m.TxCode.INVALID_OPERATION, f"1-{m.ENTRIES_PER_OPERATION_MAX} {what} per op")


def set_entries(context: Context, op: m.SetEntries) -> Value | None:
    context.require(m.LedgerPermission.WRITE_DATA)
    _writable(context, op.account, m.AccountKind.DATA)
    write_entries(context, op.account, op.entries)
    return None


def write_entries(context: Context, address: str, entries: list[m.EntryWrite]) -> None:
    """Write versioned entries at `address` (permissions are the caller's to check)."""
    _check_count(entries, "entries")
    state = context.state
    for entry in entries:
        _check_name("key", entry.key)
        _check_value(entry.value)
        pointer = latest_version_key(address, entry.key)
        subject = f"key {entry.key!r}"
        version = _advance(state, pointer, entry.expected_version, subject, "version")
        state.put(entry_key_of_pointer(pointer, version), codec.encode(entry.value))


def publish_events(context: Context, op: m.PublishEvents) -> Value | None:
    context.require(m.LedgerPermission.WRITE_EVENTS)
    _writable(context, op.account, m.AccountKind.EVENT)
    _check_count(op.events, "events")
    state = context.state
    for event in op.events:
        _check_name("topic", event.topic)
        _check_value(event.content)
        pointer = topic_key(op.account, event.topic)
        subject = f"topic {event.topic!r}"
        sequence = _advance(state, pointer, event.expected_sequence, subject, "sequence")
        state.put(event_key(op.account, event.topic, sequence), codec.encode(event.content))
    return None


def set_account_permission(context: Context, op: m.SetAccountPermission) -> Value | None:
    account = context.state.account(op.address)
    if account is None:
        raise fail(m.TxCode.NOT_FOUND, f"no account {op.address}")
    if not any(signer in account.owners for signer in context.signer_addresses()):
        raise fail(m.TxCode.PERMISSION_DENIED, f"only an owner may change account {op.address}")
    for owner in op.add_owners:
        if not is_address(owner):
            raise fail(m.TxCode.INVALID_OPERATION, f"not an address: {owner[:64]!r}")
    owners = sorted((set(account.owners) | set(op.add_owners)) - set(op.remove_owners))
    if not owners:
        raise fail(m.TxCode.INVALID_OPERATION, "an account keeps at least one owner")
    writer_role = account.writer_role
    if op.writer_role is not None:
        writer_role = _role_names(context, [op.writer_role])[0] if op.writer_role else None
    record = AccountRecord(
        account.kind,
        account.public_key,
        owners,
        writer_role,
        account.contract_version,
        account.frozen,
    )
    context.state.save(account_key(op.address), record)
    return None


# --- contracts -----------------------------------------------------------------------------------


def deploy_contract(context: Context, op: m.DeployContract) -> Value | None:
    if len(op.code.encode()) > CODE_BYTES_MAX:
        raise fail(m.TxCode.INVALID_OPERATION, f"contract code exceeds {CODE_BYTES_MAX} bytes")
    if context.contract_runtime is not None:
        context.contract_runtime.check(op.code)
    address = address_of(op.public_key)
    account = context.state.account(address)
    if op.expected_version == m.NEW:
        context.require(m.LedgerPermission.REGISTER_CONTRACT)
        _register_account(context, op.public_key, m.AccountKind.CONTRACT)
        account = context.state.account(address)
    else:
        context.require(m.LedgerPermission.UPGRADE_CONTRACT)
        if account is None or account.kind is not m.AccountKind.CONTRACT:
            raise fail(m.TxCode.NOT_FOUND, f"no contract {address}")
        if account.contract_version != op.expected_version:
            raise fail(
                m.TxCode.VERSION_CONFLICT,
                f"contract is at version {account.contract_version}, not {op.expected_version}",
            )
    assert account is not None  # registered just above or checked
    version = account.contract_version + 1
    context.state.put(code_key(address, version), op.code.encode())
    record = msgspec.structs.replace(account, contract_version=version)
    context.state.save(account_key(address), record)
    return Int64(version)


def invoke_contract(context: Context, op: m.InvokeContract) -> Value | None:
    account = context.state.account(op.address)
    if account is None or account.kind is not m.AccountKind.CONTRACT:
        raise fail(m.TxCode.NOT_FOUND, f"no contract {op.address}")
    if account.frozen:
        raise fail(m.TxCode.INVALID_STATE, f"contract {op.address} is frozen")
    if context.contract_runtime is None:
        raise fail(m.TxCode.CONTRACT_ERROR, "this ledger has no contract runtime")
    return context.contract_runtime.invoke(context, account, op)


def set_contract_state(context: Context, op: m.SetContractState) -> Value | None:
    """Freeze or unfreeze a contract: needs the upgrade-contract permission."""
    context.require(m.LedgerPermission.UPGRADE_CONTRACT)
    account = context.state.account(op.address)
    if account is None or account.kind is not m.AccountKind.CONTRACT:
        raise fail(m.TxCode.NOT_FOUND, f"no contract {op.address}")
    if account.frozen == op.frozen:
        state = "frozen" if op.frozen else "not frozen"
        raise fail(m.TxCode.INVALID_STATE, f"contract {op.address} is already {state}")
    record = AccountRecord(
        account.kind,
        account.public_key,
        account.owners,
        account.writer_role,
        account.contract_version,
        op.frozen,
    )
    context.state.save(account_key(op.address), record)
    return None


# --- participants and settings -------------------------------------------------------------------


def register_participant(context: Context, op: m.RegisterParticipant) -> Value | None:
    context.require(m.LedgerPermission.REGISTER_PARTICIPANT)
    _check_name("participant name", op.name, m.NAME_CHARS_MAX)
    address = _checked_key(context, op.public_key)
    if context.state.participant(address) is not None:
        raise fail(m.TxCode.ALREADY_EXISTS, f"participant {address} already exists")
    if not 0 <= op.port <= 65535:
        raise fail(m.TxCode.INVALID_OPERATION, f"port out of range: {op.port}")
    record = ParticipantRecord(op.name, op.public_key, m.ParticipantState.READY, op.host, op.port)
    context.state.save(participant_key(address), record)
    return None


_PARTICIPANT_MOVES = {
    m.ParticipantState.READY: {m.ParticipantState.ACTIVE, m.ParticipantState.DEACTIVATED},
    m.ParticipantState.ACTIVE: {m.ParticipantState.DEACTIVATED},
    m.ParticipantState.DEACTIVATED: set(),
}


def update_participant_state(context: Context, op: m.UpdateParticipantState) -> Value | None:
    context.require(m.LedgerPermission.UPDATE_PARTICIPANT_STATE)
    participant = context.state.participant(op.address)
    if participant is None:
        raise fail(m.TxCode.NOT_FOUND, f"no participant {op.address}")
    if op.state not in _PARTICIPANT_MOVES[participant.state]:
        raise fail(
            m.TxCode.INVALID_STATE,
            f"participant cannot go from {participant.state.value} to {op.state.value}",
        )
    record = ParticipantRecord(
        participant.name, participant.public_key, op.state, participant.host, participant.port
    )
    context.state.save(participant_key(op.address), record)
    return None


def update_ledger_settings(context: Context, op: m.UpdateLedgerSettings) -> Value | None:
    context.require(m.LedgerPermission.UPDATE_SETTINGS)
    settings = context.settings
    changes: dict[str, Any] = {}
    if op.time_window_ms is not None:
        if not 0 < op.time_window_ms <= TIME_WINDOW_MS_MAX:
            raise fail(m.TxCode.INVALID_OPERATION, f"time window must be 1-{TIME_WINDOW_MS_MAX} ms")
        changes["time_window_ms"] = op.time_window_ms
    if op.contract_fuel_max is not None:
        if not 0 < op.contract_fuel_max <= FUEL_MAX:
            raise fail(m.TxCode.INVALID_OPERATION, f"fuel limit must be 1-{FUEL_MAX}")
        changes["contract_fuel_max"] = op.contract_fuel_max
    if op.accepted_signature_algorithms is not None:
        changes["accepted_signature_algorithms"] = _signature_names(
            op.accepted_signature_algorithms
        )
    updated = msgspec.structs.replace(settings, **changes)
    context.state.save(SETTINGS_KEY, updated)
    context.settings = updated
    return None


def _signature_names(names: list[str]) -> list[str]:
    try:
        algorithms = [algorithm_from_name(name) for name in names]
    except CryptoError as error:
        raise fail(m.TxCode.INVALID_OPERATION, str(error)) from None
    if not algorithms or not all(a.is_signature for a in algorithms):
        raise fail(m.TxCode.INVALID_OPERATION, "accepted algorithms must be signature algorithms")
    return sorted({a.info.name for a in algorithms})


Handler = Callable[[Context, Any], Value | None]

HANDLERS: dict[type, Handler] = {
    m.RegisterUser: register_user,
    m.UpdateUserState: update_user_state,
    m.RegisterDataAccount: register_data_account,
    m.SetEntries: set_entries,
    m.RegisterEventAccount: register_event_account,
    m.PublishEvents: publish_events,
    m.DeployContract: deploy_contract,
    m.InvokeContract: invoke_contract,
    m.RegisterParticipant: register_participant,
    m.UpdateParticipantState: update_participant_state,
    m.ConfigureRoles: configure_roles,
    m.AuthorizeUser: authorize_user,
    m.SetAccountPermission: set_account_permission,
    m.UpdateLedgerSettings: update_ledger_settings,
    m.SetContractState: set_contract_state,
}
