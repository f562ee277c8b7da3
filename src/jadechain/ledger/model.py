"""The ledger's data model: operations, transactions, results, blocks and certificates.

All of these are canonical `Record`s (docs/architecture.md, "Ledger data model"):
- tx hash    = H(encode(TransactionContent)) with the ledger's hash algorithm;
- block hash = H(encode(BlockHeader));
- signatures (endpoint, node, certificate) are made over the hash's byte form (`Digest.to_bytes()`).
"""

from __future__ import annotations

import enum

from jadechain.codec import Record
from jadechain.crypto import Digest, PublicKey, Signature
from jadechain.ledger.values import Value

OPERATIONS_PER_TX_MAX = 1024
ENTRIES_PER_OPERATION_MAX = 4096
KEY_BYTES_MAX = 1024
NAME_CHARS_MAX = 64
NONCE_BYTES_MAX = 32
NEW = -1  # expected version / sequence of a key or topic that must not exist yet


class AccountKind(enum.StrEnum):
    DATA = "data"
    EVENT = "event"
    CONTRACT = "contract"


class UserState(enum.StrEnum):
    NORMAL = "normal"
    FROZEN = "frozen"
    REVOKED = "revoked"


class ParticipantState(enum.StrEnum):
    READY = "ready"  # registered, not yet voting
    ACTIVE = "active"  # in the consensus group
    DEACTIVATED = "deactivated"


class RolePolicy(enum.StrEnum):
    UNION = "union"  # a user may do what any of its roles allows
    INTERSECT = "intersect"  # a user may do only what all of its roles allow


class LedgerPermission(enum.StrEnum):
    CONFIGURE_ROLES = "configure_roles"
    AUTHORIZE_USERS = "authorize_users"
    REGISTER_USER = "register_user"
    UPDATE_USER_STATE = "update_user_state"
    REGISTER_DATA_ACCOUNT = "register_data_account"
    REGISTER_EVENT_ACCOUNT = "register_event_account"
    REGISTER_CONTRACT = "register_contract"
    UPGRADE_CONTRACT = "upgrade_contract"
    REGISTER_PARTICIPANT = "register_participant"
    UPDATE_PARTICIPANT_STATE = "update_participant_state"
    WRITE_DATA = "write_data"
    WRITE_EVENTS = "write_events"
    APPROVE_TX = "approve_tx"
    SET_CONSENSUS = "set_consensus"
    SET_CRYPTO = "set_crypto"
    UPDATE_SETTINGS = "update_settings"


class TransactionPermission(enum.StrEnum):
    DIRECT_OPERATION = "direct_operation"
    CONTRACT_OPERATION = "contract_operation"


# --- operations ----------------------------------------------------------------------------------


class RegisterUser(Record, frozen=True, tag="register_user"):
    public_key: PublicKey
    roles: list[str] = []
    policy: RolePolicy = RolePolicy.UNION


class UpdateUserState(Record, frozen=True, tag="update_user_state"):
    address: str
    state: UserState


class RegisterDataAccount(Record, frozen=True, tag="register_data_account"):
    public_key: PublicKey  # the account's identity; its address is the account address


class EntryWrite(Record, frozen=True):
    key: str
    value: Value
    expected_version: int  # the current version, or NEW (-1) for a key that must not exist


class SetEntries(Record, frozen=True, tag="set_entries"):
    account: str
    entries: list[EntryWrite]


class RegisterEventAccount(Record, frozen=True, tag="register_event_account"):
    public_key: PublicKey


class EventWrite(Record, frozen=True):
    topic: str
    content: Value
    expected_sequence: int  # the topic's current sequence, or NEW (-1) for its first event


class PublishEvents(Record, frozen=True, tag="publish_events"):
    account: str
    events: list[EventWrite]


class DeployContract(Record, frozen=True, tag="deploy_contract"):
    public_key: PublicKey
    code: str
    expected_version: int = NEW  # NEW to deploy; the version it replaces to upgrade


class InvokeContract(Record, frozen=True, tag="invoke_contract"):
    address: str
    method: str
    args: list[Value] = []


class SetContractState(Record, frozen=True, tag="set_contract_state"):
    """Freeze a contract (every invocation fails with invalid_state) or unfreeze it."""

    address: str
    frozen: bool


class RegisterParticipant(Record, frozen=True, tag="register_participant"):
    name: str
    public_key: PublicKey
    host: str = ""
    port: int = 0


class UpdateParticipantState(Record, frozen=True, tag="update_participant_state"):
    address: str
    state: ParticipantState


class RoleSpec(Record, frozen=True):
    name: str
    ledger_permissions: list[LedgerPermission]
    transaction_permissions: list[TransactionPermission]


class ConfigureRoles(Record, frozen=True, tag="configure_roles"):
    roles: list[RoleSpec]  # each replaces the role of that name, or creates it


class AuthorizeUser(Record, frozen=True, tag="authorize_user"):
    address: str
    grant: list[str] = []
    revoke: list[str] = []
    policy: RolePolicy | None = None


class SetAccountPermission(Record, frozen=True, tag="set_account_permission"):
    address: str
    add_owners: list[str] = []
    remove_owners: list[str] = []
    writer_role: str | None = None  # holders of this role may write too; "" clears it


class UpdateLedgerSettings(Record, frozen=True, tag="update_ledger_settings"):
    time_window_ms: int | None = None
    contract_fuel_max: int | None = None
    accepted_signature_algorithms: list[str] | None = None


Operation = (
    RegisterUser
    | UpdateUserState
    | RegisterDataAccount
    | SetEntries
    | RegisterEventAccount
    | PublishEvents
    | DeployContract
    | InvokeContract
    | RegisterParticipant
    | UpdateParticipantState
    | ConfigureRoles
    | AuthorizeUser
    | SetAccountPermission
    | UpdateLedgerSettings
    | SetContractState
)


# --- transactions --------------------------------------------------------------------------------


class TransactionContent(Record, frozen=True):
    ledger: Digest
    operations: list[Operation]
    time_ms: int
    nonce: bytes


class SignatureEntry(Record, frozen=True):
    public_key: PublicKey
    signature: Signature


class SignedTransaction(Record, frozen=True):
    content: TransactionContent
    endpoint_signatures: list[SignatureEntry]
    node_signatures: list[SignatureEntry] = []


class TxCode(enum.StrEnum):
    """The state code of a transaction's execution, recorded with it on the ledger."""

    SUCCESS = "success"
    VERSION_CONFLICT = "version_conflict"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    ALREADY_EXISTS = "already_exists"
    INVALID_STATE = "invalid_state"
    INVALID_OPERATION = "invalid_operation"
    CONTRACT_ERROR = "contract_error"
    OUT_OF_FUEL = "out_of_fuel"


class TransactionResult(Record, frozen=True):
    tx_hash: Digest
    height: int
    index: int  # position in the block
    code: TxCode
    message: str = ""  # why it failed, for people; empty on success
    operation_results: list[Value | None] = []
    derived_operations: list[Operation] = []  # what contracts wrote, in order; on success only
    fuel_used: int = 0  # by the contracts the transaction invoked


# --- blocks --------------------------------------------------------------------------------------


class BlockHeader(Record, frozen=True):
    ledger: Digest | None  # None only in the genesis block, whose hash *is* the ledger id
    height: int
    previous_hash: Digest | None
    time_ms: int
    transactions_root: Digest
    results_root: Digest
    state_root: Digest
    transaction_count: int
    total_transactions: int


class Block(Record, frozen=True):
    header: BlockHeader
    transactions: list[SignedTransaction]
    results: list[TransactionResult]


class BlockCertificate(Record, frozen=True):
    """A quorum of participants' signatures on a block hash, stored with the block."""

    height: int
    block_hash: Digest
    signatures: list[SignatureEntry]
