"""Wire messages of the BFT replica: msgpack Structs in one tagged union.

Messages are unsigned in this first cut: the simulator's network (and later the p2p layer's
authenticated channels) tells a replica who sent each message. Signatures, and with them
transferable certificates, come with the p2p layer (see the module docstring of `replica`).
"""

from __future__ import annotations

import hashlib

from jadechain import codec
from jadechain.codec import Record

Batch = tuple[bytes, ...]


class Entry(Record, frozen=True):
    """A proposal for `seq`: the view it was prepared in, the leader's time and the batch."""

    view: int
    seq: int
    time_ms: int
    batch: Batch


class PrePrepare(Record, frozen=True, tag="pp"):
    view: int
    seq: int
    time_ms: int
    batch: Batch


class Prepare(Record, frozen=True, tag="p"):
    view: int
    seq: int
    digest: bytes


class Commit(Record, frozen=True, tag="c"):
    view: int
    seq: int
    digest: bytes


class ViewChange(Record, frozen=True, tag="vc"):
    """Ask to move to `view`, reporting what the sender delivered and prepared."""

    view: int
    delivered: int
    entries: tuple[Entry, ...]


class NewView(Record, frozen=True, tag="nv"):
    """The new leader names the 2f+1 view-changes (sender, digest of its bytes) it used."""

    view: int
    senders: tuple[str, ...]
    digests: tuple[bytes, ...]


class Status(Record, frozen=True, tag="st"):
    view: int
    delivered: int


class Decided(Record, frozen=True, tag="d"):
    """A delivered height, sent to a peer that is behind; f+1 matching copies are trusted."""

    seq: int
    time_ms: int
    batch: Batch


Message = PrePrepare | Prepare | Commit | ViewChange | NewView | Status | Decided


def encode(message: Message) -> bytes:
    return codec.encode(message)


def decode(data: bytes) -> Message | None:
    """The message in `data`, or None for anything malformed (never raises)."""
    try:
        return codec.decode(data, Message)  # type: ignore[arg-type]
    except (codec.CodecError, ValueError, TypeError, OverflowError):
        return None


def digest(time_ms: int, batch: Batch) -> bytes:
    """What PREPARE and COMMIT vote on: the proposal's time and batch."""
    return hashlib.sha256(codec.encode((time_ms, batch))).digest()


def batch_key(batch: Batch) -> bytes:
    return hashlib.sha256(codec.encode(batch)).digest()
