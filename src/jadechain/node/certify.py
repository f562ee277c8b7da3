"""The certificate round: participants sign each block hash; a quorum of them certifies it.

After executing block h a participant signs its hash and sends the signature to every peer
(`wire.Vote`). Votes are collected per height; once 2f+1 distinct participants (this one
included) signed the same hash as this node computed, that set is the block's certificate. When
f+1 other participants signed one *other* hash for a height, at least one honest participant
computed it, so this node's execution diverged: it must stop and say so.

Votes are kept only for heights within VOTES_BEHIND below and VOTES_AHEAD above this node's
height, one per participant and height (the first wins), so memory stays bounded whatever peers
send.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jadechain.crypto import CryptoError, Digest, PublicKey, Signature, verify
from jadechain.ledger import model as m

VOTES_BEHIND = 64
VOTES_AHEAD = 256


@dataclass(slots=True)
class _Height:
    own: Digest | None = None
    votes: dict[str, tuple[bytes, m.SignatureEntry]] = field(default_factory=dict)
    certified: bool = False


@dataclass(frozen=True, slots=True)
class Certified:
    certificate: m.BlockCertificate


@dataclass(frozen=True, slots=True)
class Diverged:
    reason: str


Verdict = Certified | Diverged | None


class CertificateRound:
    def __init__(self, me: str, keys: dict[str, PublicKey], height: int) -> None:
        self.me = me
        self.keys = keys
        self.f = (len(keys) - 1) // 3
        self.quorum = len(keys) - self.f  # 2f+1 when n = 3f+1
        self.height = height
        self.certified_height = 0
        self._heights: dict[int, _Height] = {}
        self.rejected = 0  # votes with a bad signature, unknown signer or out of range

    def own(self, height: int, block_hash: Digest, entry: m.SignatureEntry) -> Verdict:
        """This node committed `height` with `block_hash` and signed it."""
        self.height = max(self.height, height)
        slot = self._heights.setdefault(height, _Height())
        slot.own = block_hash
        slot.votes[self.me] = (block_hash.to_bytes(), entry)
        self._prune()
        return self._judge(height, slot)

    def vote(self, sender: str, height: int, block_hash: bytes, signature: bytes) -> Verdict:
        """A peer's vote (its sender authenticated by the transport)."""
        key = self.keys.get(sender)
        in_range = self.height - VOTES_BEHIND < height <= self.height + VOTES_AHEAD
        if key is None or sender == self.me or not in_range:
            self.rejected += 1
            return None
        slot = self._heights.setdefault(height, _Height())
        if sender in slot.votes:
            return None
        entry = _checked(key, block_hash, signature)
        if entry is None:
            self.rejected += 1
            return None
        slot.votes[sender] = (block_hash, entry)
        return self._judge(height, slot)

    def _judge(self, height: int, slot: _Height) -> Verdict:
        if slot.own is None:
            return None
        mine = slot.own.to_bytes()
        others: dict[bytes, int] = {}
        for sender, (voted, _) in slot.votes.items():
            if voted != mine and sender != self.me:
                others[voted] = others.get(voted, 0) + 1
        for voted, count in others.items():
            if count >= self.f + 1:
                return Diverged(
                    f"block {height}: this node computed {slot.own.to_base58()}, {count} other "
                    f"participants signed {Digest.from_bytes(voted).to_base58()}"
                )
        signatures = [entry for voted, entry in slot.votes.values() if voted == mine]
        if slot.certified or len(signatures) < self.quorum:
            return None
        slot.certified = True
        self.certified_height = max(self.certified_height, height)
        ordered = sorted(signatures, key=lambda entry: entry.public_key.to_bytes())
        return Certified(m.BlockCertificate(height, slot.own, ordered))

    def _prune(self) -> None:
        floor = self.height - VOTES_BEHIND
        for height in [h for h in self._heights if h <= floor]:
            del self._heights[height]


def _checked(key: PublicKey, block_hash: bytes, signature: bytes) -> m.SignatureEntry | None:
    try:
        parsed = Signature.from_bytes(signature)
        ok = verify(key, Digest.from_bytes(block_hash).to_bytes(), parsed)
    except (CryptoError, ValueError):
        return None
    return m.SignatureEntry(key, parsed) if ok else None
