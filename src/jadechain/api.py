"""The REST surface's wire types: what the gateway sends and the SDK reads (DESIGN §9).

Every body is the JSON view (`codec.to_json`) of one of these records, or of a ledger record
(`SignedTransaction`, `Block`, `BlockCertificate`, `EntryProof`, `TransactionProof`); with
`Accept`/`Content-Type: application/msgpack` the same records travel in the canonical binary
encoding. Errors are `Problem` bodies with a 4xx/5xx status, with one exception: a transaction
rejected at intake (`POST .../txs`) answers 400 with its `SubmitResult` (status "rejected" and the
reason), so a client reads the same record whether its transaction went in or not.

Routes (prefix /api/v1; {L} is a ledger id in Base58):
- GET  /ledgers                               -> list[LedgerSummary]
- GET  /ledgers/{L}                           -> LedgerInfo
- GET  /ledgers/{L}/blocks/stream?from=H      -> server-sent events: `block` (BlockView JSON,
                                                id = height) from H, then live; `resume`
                                                ({"from": N}) when the client fell behind
- GET  /ledgers/{L}/blocks/latest             -> BlockView
- GET  /ledgers/{L}/blocks/{height}           -> BlockView
- GET  /ledgers/{L}/blocks/{height}/txs       -> list[TransactionView]
- GET  /ledgers/{L}/blocks/{height}/certificate -> BlockCertificate
- POST /ledgers/{L}/txs[?wait=false]          SignedTransaction -> SubmitResult
- POST /ledgers/{L}/txs/batch[?wait=false]    list[SignedTransaction] -> list[SubmitResult]
- GET  /ledgers/{L}/txs/{hash}                -> TransactionView
- GET  /ledgers/{L}/txs/{hash}/proof          -> TransactionProof
- GET  /ledgers/{L}/users/{address}           -> UserView
- GET  /ledgers/{L}/accounts/{address}        -> AccountView
- GET  /ledgers/{L}/accounts/{address}/entries?prefix=&limit= -> list[EntryView]
- GET  /ledgers/{L}/accounts/{address}/entries/{key}?version=&height= -> EntryView
- GET  /ledgers/{L}/accounts/{address}/entries/{key}/history?from=&limit= -> list[EntryView]
- GET  /ledgers/{L}/accounts/{address}/entries/{key}/proof?version=&height= -> EntryProof
- GET  /ledgers/{L}/contracts/{address}       -> ContractView
- GET  /ledgers/{L}/events/{account}/{topic}?from=&limit= -> list[EventView]
- GET  /ledgers/{L}/events/stream?account=A&topic=T&from=S -> server-sent events: `event`
                                                (EventView JSON, id = sequence) from sequence S
                                                of one topic, then live; `resume` ({"from": N})
- GET  /ledgers/{L}/events/stream[?account=A][&topic=T][&from=H] -> `event` (EventView, id =
                                                "height/account/topic/sequence", topic
                                                percent-encoded) derived from the blocks from
                                                height H; `resume` ({"from": next height})
- GET  /ledgers/{L}/events/stream?system=block&from=H -> `block` (BlockCommitted, id = height)
- GET  /ledgers/{L}/events/stream?system=tx&from=H -> `tx` (TransactionCommitted, id =
                                                "height/index"); `resume` ({"from": height})
- GET  /ledgers/{L}/roles/{name}              -> RoleView
- GET  /ledgers/{L}/network                   -> NetworkStatus (this peer's consensus and links;
                                                asked of each peer, not through a gateway)
- GET  /health                                -> Health
- GET  /metrics                               -> Prometheus text
"""

from __future__ import annotations

import enum

from jadechain.codec import Record
from jadechain.crypto import Digest, PublicKey
from jadechain.ledger import model as m
from jadechain.ledger.values import Value

API_PREFIX = "/api/v1"
MSGPACK = "application/msgpack"


class Problem(Record, frozen=True):
    """An error answer: a stable machine code and a sentence for people."""

    status: int
    code: str  # e.g. "bad_request", "not_found", "bad_signature", "payload_too_large"
    message: str


class SubmitStatus(enum.StrEnum):
    COMMITTED = "committed"  # in a block; see `result` for whether it succeeded
    ACCEPTED = "accepted"  # in the mempool (with ?wait=false)
    REJECTED = "rejected"  # never entered a block; see `reason`


class SubmitResult(Record, frozen=True):
    tx_hash: Digest
    status: SubmitStatus
    reason: str = ""
    result: m.TransactionResult | None = None
    block_hash: Digest | None = None


class ParticipantView(Record, frozen=True):
    address: str
    name: str
    public_key: PublicKey
    state: m.ParticipantState


class LedgerSummary(Record, frozen=True):
    id: Digest
    name: str
    height: int


class LedgerInfo(Record, frozen=True):
    id: Digest
    name: str
    height: int
    latest_block_hash: Digest
    suite: str
    hash_algorithm: str
    accepted_signature_algorithms: list[str]
    consensus_provider: str
    time_window_ms: int
    participants: list[ParticipantView]


class BlockView(Record, frozen=True):
    hash: Digest
    header: m.BlockHeader
    transaction_hashes: list[Digest]


class TransactionView(Record, frozen=True):
    hash: Digest
    transaction: m.SignedTransaction
    result: m.TransactionResult
    block_hash: Digest
    time_ms: int


class UserView(Record, frozen=True):
    address: str
    public_key: PublicKey
    state: m.UserState
    roles: list[str]
    policy: m.RolePolicy


class AccountView(Record, frozen=True):
    address: str
    kind: m.AccountKind
    public_key: PublicKey
    owners: list[str]
    writer_role: str | None
    frozen: bool
    contract_version: int


class EntryView(Record, frozen=True):
    key: str
    version: int
    value: Value


class ContractView(Record, frozen=True):
    address: str
    version: int
    code: str
    frozen: bool


class EventView(Record, frozen=True):
    topic: str
    sequence: int
    content: Value


class RoleView(Record, frozen=True):
    name: str
    ledger_permissions: list[m.LedgerPermission]
    transaction_permissions: list[m.TransactionPermission]


class Health(Record, frozen=True):
    status: str  # "ok"
    ledgers: list[LedgerSummary]


class PeerLink(Record, frozen=True):
    """One other participant as this peer sees it."""

    node: str  # the participant's address
    name: str
    connected: bool  # this peer's authenticated link to it is up
    height: int = -1  # the last height it announced (-1: none yet)


class NetworkStatus(Record, frozen=True):
    """A peer's view of its ledger's network (`jadechain net status`)."""

    node: str  # this peer's participant address
    provider: str  # consensus provider: "solo" or "bft"
    view: int
    leader: str | None  # the current leader's address, if the provider has one
    height: int  # committed height
    certified_height: int  # the highest height whose certificate holds a quorum
    diverged: str = ""  # non-empty when this peer stopped on a divergent block: why
    peers: list[PeerLink] = []


class BlockCommitted(Record, frozen=True):
    """System event `block`: one per committed block."""

    height: int
    hash: Digest
    transaction_count: int
    time_ms: int


class TransactionCommitted(Record, frozen=True):
    """System event `tx`: one per transaction result, in block order."""

    tx_hash: Digest
    height: int
    index: int  # position in the block
    code: m.TxCode
