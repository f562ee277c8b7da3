"""`TxBuilder`: a transaction's operations from friendly arguments, then content and signatures.

    tx = (
        TxBuilder(ledger_id)
        .set_entry(account, "lot-7", "harvested")
        .set_entry(account, "weight", 1200)
        .publish_event(events, "lots", {"lot": 7}, expected_sequence=NEW)
        .sign(alice)
    )

Consecutive `set_entry` calls on one account become one `SetEntries` operation (in call order),
and likewise consecutive `publish_event` calls on one account and consecutive `configure_role`
calls; every other method adds one operation. Arguments are checked as they are given, so a
mistake raises `ValueError` at the line that made it; the ledger still checks everything again.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, Self, TypeVar

from jadechain.crypto import Digest, KeyPair, PublicKey, address_of, is_address
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.sdk.values import PlainValue, to_value

Clock = Callable[[], int]
AddressRef = str | PublicKey | KeyPair
"""An address, or the key (or key pair) whose address it is."""
KeyRef = PublicKey | KeyPair

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
NEW = m.NEW


def system_clock_ms() -> int:
    """Wall-clock milliseconds since the epoch (the default `TxBuilder` clock)."""
    return time.time_ns() // 1_000_000


def ledger_digest(ledger: Digest | str) -> Digest:
    """A ledger id from a `Digest` or its Base58 text; ValueError otherwise."""
    if isinstance(ledger, Digest):
        return ledger
    if isinstance(ledger, str):
        try:
            return Digest.from_base58(ledger)
        except ValueError as error:
            raise ValueError(f"not a ledger id: {ledger[:80]!r} ({error})") from None
    raise ValueError(f"a ledger id is a Digest or Base58 text, not {type(ledger).__name__}")


@dataclass
class _Group:
    """Consecutive items of one kind for one account, made into one operation at build time."""

    kind: Literal["entries", "events", "roles"]
    account: str
    items: list[m.EntryWrite | m.EventWrite | m.RoleSpec] = field(default_factory=list)

    def operation(self) -> m.Operation:
        items = list(self.items)
        if self.kind == "entries":
            return m.SetEntries(self.account, [i for i in items if isinstance(i, m.EntryWrite)])
        if self.kind == "events":
            return m.PublishEvents(self.account, [i for i in items if isinstance(i, m.EventWrite)])
        return m.ConfigureRoles([i for i in items if isinstance(i, m.RoleSpec)])


class TxBuilder:
    """Operations for one ledger; `build()` gives the content, `sign(...)` the signed transaction.

    `clock` returns the transaction time in milliseconds (the ledger refuses times outside its
    window around the block time); it is read at `build`/`sign` time.
    """

    def __init__(self, ledger_id: Digest | str, clock: Clock = system_clock_ms) -> None:
        self.ledger_id = ledger_digest(ledger_id)
        self._clock = clock
        self._parts: list[m.Operation | _Group] = []

    def __len__(self) -> int:
        """The number of operations built so far."""
        return len(self._parts)

    @property
    def operations(self) -> list[m.Operation]:
        """A copy of the operations built so far."""
        return [p.operation() if isinstance(p, _Group) else p for p in self._parts]

    # --- users and roles -------------------------------------------------------------------------

    def register_user(
        self,
        public_key: KeyRef,
        roles: Iterable[str] = (),
        policy: m.RolePolicy | str = m.RolePolicy.UNION,
    ) -> Self:
        role_names = [_name("role", r) for r in _strings("roles", roles)]
        policy_ = _enum(m.RolePolicy, policy, "policy")
        return self._add(m.RegisterUser(_public(public_key), role_names, policy_))

    def update_user_state(self, address: AddressRef, state: m.UserState | str) -> Self:
        return self._add(m.UpdateUserState(_address(address), _enum(m.UserState, state, "state")))

    def configure_role(
        self,
        name: str,
        ledger_permissions: Iterable[m.LedgerPermission | str],
        transaction_permissions: Iterable[m.TransactionPermission | str],
    ) -> Self:
        """Create or replace role `name` with exactly these permissions."""
        spec = m.RoleSpec(
            _name("role", name),
            [_enum(m.LedgerPermission, p, "ledger permission") for p in _iter(ledger_permissions)],
            [
                _enum(m.TransactionPermission, p, "transaction permission")
                for p in _iter(transaction_permissions)
            ],
        )
        return self._group("roles", "", spec)

    def authorize_user(
        self,
        address: AddressRef,
        grant: Iterable[str] = (),
        revoke: Iterable[str] = (),
        policy: m.RolePolicy | str | None = None,
    ) -> Self:
        policy_ = None if policy is None else _enum(m.RolePolicy, policy, "policy")
        operation = m.AuthorizeUser(
            _address(address),
            [_name("role", r) for r in _strings("grant", grant)],
            [_name("role", r) for r in _strings("revoke", revoke)],
            policy_,
        )
        return self._add(operation)

    # --- accounts --------------------------------------------------------------------------------

    def register_data_account(self, public_key: KeyRef) -> Self:
        return self._add(m.RegisterDataAccount(_public(public_key)))

    def set_entry(
        self, account: AddressRef, key: str, value: PlainValue, expected_version: int = NEW
    ) -> Self:
        """Write `value` under `key`; `expected_version` is the key's current version, or NEW."""
        write = m.EntryWrite(_name("key", key), to_value(value), _counter(expected_version))
        return self._group("entries", _address(account), write)

    def register_event_account(self, public_key: KeyRef) -> Self:
        return self._add(m.RegisterEventAccount(_public(public_key)))

    def publish_event(
        self, account: AddressRef, topic: str, content: PlainValue, expected_sequence: int
    ) -> Self:
        """Publish on `topic`; `expected_sequence` is the topic's current sequence, or NEW."""
        write = m.EventWrite(_name("topic", topic), to_value(content), _counter(expected_sequence))
        return self._group("events", _address(account), write)

    def set_account_permission(
        self,
        address: AddressRef,
        add_owners: Iterable[AddressRef] = (),
        remove_owners: Iterable[AddressRef] = (),
        writer_role: str | None = None,
    ) -> Self:
        """Change an account's owners; `writer_role` lets a role write ("" clears it)."""
        if writer_role is not None and writer_role != "":
            writer_role = _name("role", writer_role)
        operation = m.SetAccountPermission(
            _address(address),
            [_address(a) for a in _iter(add_owners)],
            [_address(a) for a in _iter(remove_owners)],
            writer_role,
        )
        return self._add(operation)

    # --- contracts -------------------------------------------------------------------------------

    def deploy_contract(self, public_key: KeyRef, code: str, expected_version: int = NEW) -> Self:
        """Deploy (NEW) or upgrade (the version it replaces) the contract at `public_key`."""
        if not isinstance(code, str) or not code.strip():
            raise ValueError("contract code must be non-empty Python source text")
        return self._add(m.DeployContract(_public(public_key), code, _counter(expected_version)))

    def invoke_contract(self, address: AddressRef, method: str, *args: PlainValue) -> Self:
        operation = m.InvokeContract(
            _address(address), _name("method", method), [to_value(a) for a in args]
        )
        return self._add(operation)

    def freeze_contract(self, address: AddressRef) -> Self:
        """Freeze a contract: every invocation fails (invalid_state) until it is unfrozen."""
        return self._add(m.SetContractState(_address(address), True))

    def unfreeze_contract(self, address: AddressRef) -> Self:
        return self._add(m.SetContractState(_address(address), False))

    # --- participants and settings ---------------------------------------------------------------

    def register_participant(
        self, name: str, public_key: KeyRef, host: str = "", port: int = 0
    ) -> Self:
        if not isinstance(host, str):
            raise ValueError("host must be text")
        port_ = _integer("port", port)
        if not 0 <= port_ <= 65535:
            raise ValueError(f"port out of range 0-65535: {port_}")
        name_ = _name("participant name", name, m.NAME_CHARS_MAX)
        return self._add(m.RegisterParticipant(name_, _public(public_key), host, port_))

    def update_participant_state(
        self, address: AddressRef, state: m.ParticipantState | str
    ) -> Self:
        state_ = _enum(m.ParticipantState, state, "state")
        return self._add(m.UpdateParticipantState(_address(address), state_))

    def update_ledger_settings(
        self,
        time_window_ms: int | None = None,
        contract_fuel_max: int | None = None,
        accepted_signature_algorithms: Iterable[str] | None = None,
    ) -> Self:
        """Change the given settings (at least one); the others stay as they are."""
        settings = (time_window_ms, contract_fuel_max, accepted_signature_algorithms)
        if all(setting is None for setting in settings):
            raise ValueError("update_ledger_settings needs at least one setting to change")
        algorithms = None
        if accepted_signature_algorithms is not None:
            algorithms = _strings("accepted_signature_algorithms", accepted_signature_algorithms)
        operation = m.UpdateLedgerSettings(
            None if time_window_ms is None else _integer("time_window_ms", time_window_ms),
            None if contract_fuel_max is None else _integer("contract_fuel_max", contract_fuel_max),
            algorithms,
        )
        return self._add(operation)

    # --- content and signatures ------------------------------------------------------------------

    def build(self, nonce: bytes | None = None) -> m.TransactionContent:
        """The transaction content, timed by the clock; a random nonce unless one is given."""
        if not self._parts:
            raise ValueError("the transaction has no operations")
        if len(self._parts) > m.OPERATIONS_PER_TX_MAX:
            raise ValueError(
                f"a transaction holds at most {m.OPERATIONS_PER_TX_MAX} operations, "
                f"this one has {len(self._parts)}"
            )
        if nonce is not None and (not isinstance(nonce, bytes) or len(nonce) > m.NONCE_BYTES_MAX):
            raise ValueError(f"nonce must be bytes of at most {m.NONCE_BYTES_MAX}")
        time_ms = self._clock()
        if isinstance(time_ms, bool) or not isinstance(time_ms, int) or time_ms < 0:
            raise ValueError(f"the clock must return milliseconds as an int, got {time_ms!r}")
        return new_content(self.ledger_id, self.operations, time_ms, nonce)

    def sign(self, *keypairs: KeyPair, nonce: bytes | None = None) -> m.SignedTransaction:
        """The built content signed by each key pair (the submitting users)."""
        if not keypairs:
            raise ValueError("sign needs at least one key pair")
        if not all(isinstance(k, KeyPair) for k in keypairs):
            raise ValueError("sign takes KeyPair objects (see jadechain.sdk.load_keypair)")
        return sign(self.build(nonce), keypairs)

    # --- internals -------------------------------------------------------------------------------

    def _add(self, operation: m.Operation) -> Self:
        self._parts.append(operation)
        return self

    def _group(
        self,
        kind: Literal["entries", "events", "roles"],
        account: str,
        item: m.EntryWrite | m.EventWrite | m.RoleSpec,
    ) -> Self:
        last = self._parts[-1] if self._parts else None
        if (
            isinstance(last, _Group)
            and last.kind == kind
            and last.account == account
            and len(last.items) < m.ENTRIES_PER_OPERATION_MAX
        ):
            last.items.append(item)
        else:
            self._parts.append(_Group(kind, account, [item]))
        return self


def _public(key: KeyRef) -> PublicKey:
    if isinstance(key, KeyPair):
        return key.public
    if isinstance(key, PublicKey):
        return key
    raise ValueError(f"expected a PublicKey or KeyPair, got {type(key).__name__}")


def _address(ref: AddressRef) -> str:
    if isinstance(ref, KeyPair | PublicKey):
        return address_of(_public(ref))
    if isinstance(ref, str) and is_address(ref):
        return ref
    shown = ref[:80] if isinstance(ref, str) else type(ref).__name__
    raise ValueError(f"not an address: {shown!r}")


def _name(kind: str, text: str, limit: int = m.KEY_BYTES_MAX) -> str:
    """Keys, topics and names: 1-`limit` UTF-8 bytes, no NUL."""
    if not isinstance(text, str):
        raise ValueError(f"{kind} must be text, not {type(text).__name__}")
    try:
        size = len(text.encode())
    except UnicodeEncodeError:
        raise ValueError(f"{kind} is not valid Unicode text: {text[:80]!r}") from None
    if "\x00" in text:
        raise ValueError(f"{kind} may not contain the NUL character: {text[:80]!r}")
    if not 1 <= size <= limit:
        raise ValueError(f"{kind} must be 1-{limit} bytes of UTF-8, got {size}")
    return text


def _integer(what: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an int, not {type(value).__name__}")
    return value


def _counter(value: int) -> int:
    """An expected version or sequence: NEW (-1) or a current one (>= 0)."""
    number = _integer("expected version/sequence", value)
    if number < NEW:
        raise ValueError(f"expected version/sequence must be NEW (-1) or >= 0, got {number}")
    return number


def _enum(kind: type[E], value: E | str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in kind)
        raise ValueError(f"invalid {what} {value!r}: one of {choices}") from None


def _iter(items: Iterable[T]) -> list[T]:
    if isinstance(items, str | bytes):
        raise ValueError(f"expected a list, not a single {type(items).__name__}")
    return list(items)


def _strings(what: str, items: Iterable[str]) -> list[str]:
    values = _iter(items)
    for item in values:
        if not isinstance(item, str):
            raise ValueError(f"{what} must be text, got {type(item).__name__}")
    return [str(item) for item in values]
