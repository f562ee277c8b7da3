"""Wire messages of the BFT replica: msgpack Records in one tagged union, and what is signed.

Votes (PRE-PREPARE, PREPARE, COMMIT) are signed over a domain-separated canonical encoding of
(kind, view, seq, digest) with digest = H(time, batch), so a set of them is a transferable
certificate: `Prepared` (the leader's pre-prepare signature plus 2f prepares) and `Committed`
(2f+1 commits). Certificates carry the digest, never the batch. A VIEW-CHANGE is signed as a whole
(digest-only certificates included); a NEW-VIEW embeds the 2f+1 signed VIEW-CHANGEs it is built
from, so anyone can check it. The sender given by the transport is authenticated, but only
signatures travel onwards.

Size bounds: a batch holds at most BATCH_BYTES_MAX (as `batch_bytes` counts it, an upper bound on
its encoding) and a message carries at most one batch -- PRE-PREPARE, FORWARD, DECIDED and
BATCH-REPLY -- so every message fits in MESSAGE_BYTES_MAX; VIEW-CHANGE and NEW-VIEW carry digests
only (a few hundred KB at n = 7 even with a full window of prepared certificates).
"""

from __future__ import annotations

import hashlib

from jadechain import codec
from jadechain.codec import Record

Batch = tuple[bytes, ...]
DOMAIN = b"jadechain/bft/v2\x00"
BATCH_BYTES_MAX = 4 << 20  # a batch above this is refused (offered, forwarded or proposed)
MESSAGE_BYTES_MAX = 8 << 20  # no message the replica emits is longer (checked in `replica`)
ITEM_OVERHEAD = 5  # msgpack header of one bytes item, at most
PRE_PREPARE, PREPARE, COMMIT, VIEW_CHANGE = "pp", "p", "c", "vc"


class Vote(Record, frozen=True):
    """One signature in a certificate, by `node`."""

    node: str
    sig: bytes


class Prepared(Record, frozen=True):
    """Proof that the proposal with `digest` = H(time, batch) was prepared at (view, seq): the
    leader's pre-prepare signature and 2f prepares from other replicas, all on `digest`."""

    view: int
    seq: int
    time_ms: int  # unsigned hint: only H(time, batch) = digest makes a batch match
    digest: bytes
    leader_sig: bytes
    prepares: tuple[Vote, ...]


class Committed(Record, frozen=True):
    """Proof that the proposal with `digest` was committed at (view, seq): 2f+1 commits."""

    view: int
    seq: int
    time_ms: int
    digest: bytes
    commits: tuple[Vote, ...]


class PrePrepare(Record, frozen=True, tag="pp"):
    view: int
    seq: int
    time_ms: int
    batch: Batch
    sig: bytes


class Prepare(Record, frozen=True, tag="p"):
    view: int
    seq: int
    digest: bytes
    sig: bytes


class Commit(Record, frozen=True, tag="c"):
    view: int
    seq: int
    digest: bytes
    sig: bytes


class ViewChange(Record, frozen=True, tag="vc"):
    """`node` asks to move to `view`: the height it delivered, the commit certificates of its
    last few delivered heights (the highest proves `delivered`) and its prepared certificates
    above it -- all digest-only."""

    node: str
    view: int
    delivered: int
    decided: tuple[Committed, ...]
    prepared: tuple[Prepared, ...]
    sig: bytes


class NewView(Record, frozen=True, tag="nv"):
    """The leader of `view` starts it with 2f+1 signed VIEW-CHANGEs for `view`."""

    view: int
    view_changes: tuple[ViewChange, ...]


class Status(Record, frozen=True, tag="st"):
    view: int
    delivered: int


class Decided(Record, frozen=True, tag="d"):
    """A delivered height with its commit certificate and batch (H(cert.time_ms, batch) must be
    cert.digest), for a peer that is behind; also how a replica keeps its delivered log."""

    cert: Committed
    batch: Batch


class FetchBatch(Record, frozen=True, tag="fb"):
    """The leader of `view` lacks the batch of a NEW-VIEW plan entry: who holds it, send it."""

    view: int
    digest: bytes


class BatchReply(Record, frozen=True, tag="br"):
    """Answer to FETCH-BATCH; the leader accepts it only if H(time, batch) is a digest it wants."""

    time_ms: int
    batch: Batch


class Forward(Record, frozen=True, tag="fw"):
    """A batch that reached a replica which is not the leader: every replica keeps it pending."""

    batch: Batch


Message = (
    PrePrepare
    | Prepare
    | Commit
    | ViewChange
    | NewView
    | Status
    | Decided
    | Forward
    | FetchBatch
    | BatchReply
)


def encode(message: Message) -> bytes:
    return codec.encode(message)


def decode(data: bytes) -> Message | None:
    """The message in `data`, or None for anything malformed (never raises)."""
    try:
        return codec.decode(data, Message)  # type: ignore[arg-type]
    except (codec.CodecError, ValueError, TypeError, OverflowError, RecursionError):
        return None


def digest(time_ms: int, batch: Batch) -> bytes:
    """What votes are cast on: the proposal's time and batch."""
    return hashlib.sha256(codec.encode((time_ms, batch))).digest()


def vote_bytes(kind: str, view: int, seq: int, proposal_digest: bytes) -> bytes:
    """The bytes a pre-prepare, prepare or commit signature covers."""
    return DOMAIN + codec.encode((kind, view, seq, proposal_digest))


def view_change_bytes(vc: ViewChange) -> bytes:
    """The bytes a VIEW-CHANGE signature covers: every field but the signature."""
    body = (VIEW_CHANGE, vc.node, vc.view, vc.delivered, vc.decided, vc.prepared)
    return DOMAIN + codec.encode(body)


def batch_key(batch: Batch) -> bytes:
    return hashlib.sha256(codec.encode(batch)).digest()


def batch_bytes(batch: Batch) -> int:
    """An upper bound on the batch's encoded size."""
    return ITEM_OVERHEAD + sum(len(item) + ITEM_OVERHEAD for item in batch)
