"""What peers of one ledger say to each other over p2p, around the consensus provider's messages.

Every frame is one of these records (msgpack, tagged). `decode` never raises: a malformed frame
is None, and the caller counts and drops it.

- `Consensus`: an opaque message of the consensus provider (its own format and checks).
- `Vote`: the certificate round; the sender's signature on the hash of the block it executed at
  `height`.
- `Announce`: the sender's committed and certified heights, every ANNOUNCE_MS, so a peer that is
  behind knows whom to ask.
- `SyncRequest` / `SyncBlocks`: block sync; certified blocks (block and certificate, each in its
  canonical encoding) from `from_height`, at most SYNC_BLOCKS_MAX blocks and SYNC_BYTES_MAX bytes
  per answer.
"""

from __future__ import annotations

from jadechain import codec
from jadechain.codec import Record

SYNC_BLOCKS_MAX = 64
SYNC_BYTES_MAX = 8 * 1024 * 1024
ANNOUNCE_MS = 500


class Consensus(Record, frozen=True, tag="c"):
    payload: bytes


class Vote(Record, frozen=True, tag="v"):
    height: int
    block_hash: bytes
    signature: bytes


class Announce(Record, frozen=True, tag="a"):
    height: int
    certified_height: int


class SyncRequest(Record, frozen=True, tag="q"):
    from_height: int
    count: int


class SyncBlocks(Record, frozen=True, tag="b"):
    blocks: list[bytes]
    certificates: list[bytes]


PeerMessage = Consensus | Vote | Announce | SyncRequest | SyncBlocks


def encode(message: PeerMessage) -> bytes:
    return codec.encode(message)


def decode(data: bytes) -> PeerMessage | None:
    """The message in `data`, or None when it is malformed."""
    try:
        return codec.decode(data, PeerMessage)  # type: ignore[arg-type]
    except (codec.CodecError, ValueError, TypeError, OverflowError):
        return None
