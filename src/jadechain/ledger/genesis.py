"""The ledger-init document, its signatures, and the genesis block it builds.

Every founding participant signs H(encode(document)) with its own key (the document names the
suite, so H is the suite's hash). A document missing any participant's signature, or carrying a bad
one, is refused with a message naming the participant. The genesis block (height 0) holds no
transactions; its state holds the settings, roles, participants and initial users; the ledger id is
the hash of its header.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jadechain import codec
from jadechain.codec import Record
from jadechain.crypto import (
    CryptoError,
    Digest,
    KeyPair,
    PublicKey,
    address_of,
    algorithm_from_name,
    hash_data,
    suite_by_name,
    verify,
)
from jadechain.ledger import model as m
from jadechain.ledger.listroot import list_root
from jadechain.ledger.security import RoleRecord, UserRecord, normalize_role
from jadechain.ledger.state import (
    SETTINGS_KEY,
    LedgerSettings,
    ParticipantRecord,
    State,
    participant_key,
    role_key,
    user_key,
)

PARTICIPANTS_MAX = 256
TIME_WINDOW_MS_DEFAULT = 60_000
CONTRACT_FUEL_DEFAULT = 10_000_000
ADMIN_ROLE = "ADMIN"


class InitError(ValueError):
    """An init document that cannot found a ledger; the message says why."""


class ParticipantSpec(Record, frozen=True):
    name: str
    public_key: PublicKey
    host: str = ""
    port: int = 0


class GenesisUser(Record, frozen=True):
    public_key: PublicKey
    roles: list[str]
    policy: m.RolePolicy = m.RolePolicy.UNION


class InitDocument(Record, frozen=True):
    name: str
    created_ms: int
    suite: str
    participants: list[ParticipantSpec]
    roles: list[m.RoleSpec]
    users: list[GenesisUser]
    accepted_signature_algorithms: list[str] = []  # empty: the suite's signature algorithm
    time_window_ms: int = TIME_WINDOW_MS_DEFAULT
    contract_fuel_max: int = CONTRACT_FUEL_DEFAULT
    consensus_provider: str = "solo"
    consensus_settings: dict[str, str] = {}


class SignedInitDocument(Record, frozen=True):
    document: InitDocument
    signatures: list[m.SignatureEntry]


def document_hash(document: InitDocument) -> Digest:
    return hash_data(suite_by_name(document.suite).hash, codec.encode(document))


def sign_document(document: InitDocument, keypair: KeyPair) -> m.SignatureEntry:
    return m.SignatureEntry(keypair.public, keypair.sign(document_hash(document).to_bytes()))


def combine(document: InitDocument, signatures: list[m.SignatureEntry]) -> SignedInitDocument:
    """One signed document from each organisation's signature, in participant order."""
    order = {spec.public_key: index for index, spec in enumerate(document.participants)}
    ordered = sorted(signatures, key=lambda entry: order.get(entry.public_key, len(order)))
    return SignedInitDocument(document, ordered)


def local_ceremony(
    name: str,
    created_ms: int,
    suite: str,
    participants: Sequence[tuple[str, KeyPair]],
    admin: PublicKey,
    host: str = "",
) -> SignedInitDocument:
    """The init document of a ledger whose participants' keys are all on this machine
    (development, tests, benchmarks): one ADMIN role with every permission, `admin` its one
    user, signed by every participant."""
    document = InitDocument(
        name=name,
        created_ms=created_ms,
        suite=suite,
        participants=[ParticipantSpec(label, key.public, host) for label, key in participants],
        roles=[all_permissions()],
        users=[GenesisUser(admin, [ADMIN_ROLE])],
    )
    return combine(document, [sign_document(document, key) for _, key in participants])


def all_permissions() -> m.RoleSpec:
    return m.RoleSpec(ADMIN_ROLE, list(m.LedgerPermission), list(m.TransactionPermission))


def check(signed: SignedInitDocument) -> LedgerSettings:
    """The ledger settings the document founds; InitError with the reason if it cannot."""
    document = signed.document
    try:
        suite = suite_by_name(document.suite)
        accepted = sorted(
            {algorithm_from_name(n).info.name for n in document.accepted_signature_algorithms}
            or {suite.signature.info.name}
        )
    except CryptoError as error:
        raise InitError(str(error)) from None
    _check_participants(document)
    _check_signatures(signed)
    _check_roles_and_users(document)
    if not 0 < document.time_window_ms <= 24 * 3600 * 1000:
        raise InitError("time_window_ms must be between 1 ms and one day")
    return LedgerSettings(
        suite=suite.name,
        hash_algorithm=suite.hash.info.name,
        accepted_signature_algorithms=accepted,
        time_window_ms=document.time_window_ms,
        contract_fuel_max=document.contract_fuel_max,
        consensus_provider=document.consensus_provider,
        consensus_settings=dict(document.consensus_settings),
    )


def _check_participants(document: InitDocument) -> None:
    if not 1 <= len(document.participants) <= PARTICIPANTS_MAX:
        raise InitError(f"a ledger has 1-{PARTICIPANTS_MAX} founding participants")
    keys = [spec.public_key for spec in document.participants]
    if len(set(keys)) != len(keys):
        raise InitError("two participants share a key")
    for spec in document.participants:
        try:
            spec.public_key.validate()
        except CryptoError as error:
            raise InitError(f"participant {spec.name!r}: {error}") from None


def _check_signatures(signed: SignedInitDocument) -> None:
    message = document_hash(signed.document).to_bytes()
    by_key = {entry.public_key: entry.signature for entry in signed.signatures}
    participants = {spec.public_key: spec.name for spec in signed.document.participants}
    for key in by_key.keys() - participants.keys():
        raise InitError(f"signature by {address_of(key)}, who is not a founding participant")
    for key, name in participants.items():
        signature = by_key.get(key)
        if signature is None:
            raise InitError(f"participant {name!r} has not signed the init document")
        if not verify(key, message, signature):
            raise InitError(f"participant {name!r}'s signature on the init document is invalid")


def _check_roles_and_users(document: InitDocument) -> None:
    try:
        roles = {normalize_role(spec.name) for spec in document.roles}
        for user in document.users:
            user.public_key.validate()
            missing = {normalize_role(name) for name in user.roles} - roles
            if missing:
                raise InitError(f"user {address_of(user.public_key)} has unknown roles {missing}")
    except (ValueError, CryptoError) as error:
        raise InitError(str(error)) from None
    if not document.users:
        raise InitError("the init document names no initial user: nobody could ever transact")


def write_genesis_state(state: State, signed: SignedInitDocument, settings: LedgerSettings) -> None:
    document = signed.document
    state.save(SETTINGS_KEY, settings)
    for spec in document.roles:
        state.save(role_key(normalize_role(spec.name)), RoleRecord.of(spec))
    for participant in document.participants:
        record = ParticipantRecord(
            participant.name,
            participant.public_key,
            m.ParticipantState.ACTIVE,
            participant.host,
            participant.port,
        )
        state.save(participant_key(address_of(participant.public_key)), record)
    for user in document.users:
        roles = sorted({normalize_role(name) for name in user.roles})
        record_user = UserRecord(user.public_key, m.UserState.NORMAL, roles, user.policy)
        state.save(user_key(address_of(user.public_key)), record_user)
    state.commit_transaction()


def genesis_header(
    document: InitDocument, state_root: bytes, hasher: Callable[[bytes], bytes]
) -> m.BlockHeader:
    algorithm = suite_by_name(document.suite).hash
    empty = Digest(algorithm, list_root(hasher, []))
    return m.BlockHeader(
        ledger=None,
        height=0,
        previous_hash=None,
        time_ms=document.created_ms,
        transactions_root=empty,
        results_root=empty,
        state_root=Digest(algorithm, state_root),
        transaction_count=0,
        total_transactions=0,
    )
