"""Byzantine replicas that know the BFT wire format: each runs the real replica and rewrites
what it sends. They sign only with their own key (`MessageAuth.sign`), as a real attacker could.

- `EquivocatingLeader`: each pre-prepare goes as is to half the peers, and a different batch,
  validly signed, to the other half.
- `BadSigner`: every signature it sends is corrupted.
- `Forger`: its VIEW-CHANGEs claim a far higher delivered height and prepared entries with forged
  certificates (signatures made with its own key under other replicas' names), signed validly by
  itself; it also sends VIEW-CHANGEs in another replica's name.
- `Censor`: a working leader that never proposes (nor votes for) the batches a predicate picks:
  it hides them from its replica, which otherwise runs honestly and keeps the view progressing.
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec import structs

from jadechain.consensus.base import Broadcast, Effect, Replica, ReplicaStatus, Send
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.auth import MessageAuth
from jadechain.consensus.sim.adversary import AdversaryContext


class _Rewriter:
    """Runs the honest replica and passes each effect through `_rewrite`."""

    def __init__(self, context: AdversaryContext, auth: MessageAuth) -> None:
        self.inner: Replica = context.honest()
        self.node_id = context.node_id
        self.peers = context.peers
        self.auth = auth

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        return self._all(self.inner.on_batch_ready(batch, now_ms))

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        return self._all(self.inner.on_message(sender, message, now_ms))

    def on_tick(self, now_ms: int) -> list[Effect]:
        return self._all(self.inner.on_tick(now_ms))

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        return self._all(self.inner.on_synced(height, time_ms, now_ms))

    def status(self) -> ReplicaStatus:
        return self.inner.status()

    def _all(self, effects: list[Effect]) -> list[Effect]:
        return [out for effect in effects for out in self._rewrite(effect)]

    def _rewrite(self, effect: Effect) -> list[Effect]:
        if isinstance(effect, Send | Broadcast):
            message = m.decode(effect.message)
            if message is not None:
                return self._rewrite_message(effect, message)
        return [effect]

    def _rewrite_message(self, effect: Send | Broadcast, message: m.Message) -> list[Effect]:
        return [effect]

    def _vote_sig(self, kind: str, view: int, seq: int, time_ms: int, batch: m.Batch) -> bytes:
        return self.auth.sign(m.vote_bytes(kind, view, seq, m.digest(time_ms, batch)))


class EquivocatingLeader(_Rewriter):
    def _rewrite_message(self, effect: Send | Broadcast, message: m.Message) -> list[Effect]:
        if not isinstance(effect, Broadcast) or not isinstance(message, m.PrePrepare):
            return [effect]
        batch = (*message.batch, b"equivocation-%d" % message.seq)
        sig = self._vote_sig(m.PRE_PREPARE, message.view, message.seq, message.time_ms, batch)
        other = m.encode(structs.replace(message, batch=batch, sig=sig))
        half = len(self.peers) // 2
        return [
            Send(peer, effect.message if index < half else other)
            for index, peer in enumerate(self.peers)
        ]


def _corrupt(sig: bytes) -> bytes:
    return bytes([sig[0] ^ 0x55]) + sig[1:] if sig else b"\x00"


class BadSigner(_Rewriter):
    def _rewrite_message(self, effect: Send | Broadcast, message: m.Message) -> list[Effect]:
        if not isinstance(message, m.PrePrepare | m.Prepare | m.Commit | m.ViewChange):
            return [effect]
        bad = m.encode(structs.replace(message, sig=_corrupt(message.sig)))
        return [Send(effect.to, bad) if isinstance(effect, Send) else Broadcast(bad)]


class Forger(_Rewriter):
    def _rewrite_message(self, effect: Send | Broadcast, message: m.Message) -> list[Effect]:
        if not isinstance(message, m.ViewChange):
            return [effect]
        forged = self._forge(message)
        impostor = structs.replace(forged, node=self.peers[0], sig=_corrupt(forged.sig))
        return [Broadcast(m.encode(forged)), Broadcast(m.encode(impostor))]

    def _forge(self, vc: m.ViewChange) -> m.ViewChange:
        claimed = vc.delivered + 50
        batch = (b"forged-by-" + self.node_id.encode(),)
        digest = m.digest(0, batch)
        votes = self._votes(m.COMMIT, vc, claimed)
        committed = m.Committed(vc.view - 1, claimed, 0, digest, votes)
        prepared = tuple(
            m.Prepared(
                vc.view - 1,
                seq,
                0,
                digest,
                self._vote_sig(m.PRE_PREPARE, vc.view - 1, seq, 0, batch),
                self._votes(m.PREPARE, vc, seq),
            )
            for seq in range(max(1, vc.delivered - 3), vc.delivered + 6)
        )
        forged = structs.replace(
            vc, delivered=claimed, decided=(*vc.decided, committed), prepared=prepared, sig=b""
        )
        return structs.replace(forged, sig=self.auth.sign(m.view_change_bytes(forged)))

    def _votes(self, kind: str, vc: m.ViewChange, seq: int) -> tuple[m.Vote, ...]:
        batch = (b"forged-by-" + self.node_id.encode(),)
        sig = self._vote_sig(kind, vc.view - 1, seq, 0, batch)
        return tuple(m.Vote(peer, sig) for peer in (self.node_id, *self.peers))


class Censor(_Rewriter):
    """Drops every offer and FORWARD of a censored batch before its replica sees it, so the
    replica never holds it pending and, as leader, proposes every other batch but never that
    one; it also drops PRE-PREPAREs carrying one, so it never votes for it (it still learns the
    decided height by DECIDED, and stays in step). Only the honest replicas' censorship timeout
    (`CENSOR_TIMEOUTS`) can get such a batch delivered: the view keeps making progress."""

    def __init__(
        self, context: AdversaryContext, auth: MessageAuth, censored: Callable[[m.Batch], bool]
    ) -> None:
        super().__init__(context, auth)
        self.censored = censored
        self.ignored = 0  # censored offers, FORWARDs and PRE-PREPAREs dropped

    def on_batch_ready(self, batch: tuple[bytes, ...], now_ms: int) -> list[Effect]:
        if self.censored(batch):
            self.ignored += 1
            return []
        return super().on_batch_ready(batch, now_ms)

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        decoded = m.decode(message)
        if isinstance(decoded, m.Forward | m.PrePrepare) and self.censored(decoded.batch):
            self.ignored += 1
            return []
        return super().on_message(sender, message, now_ms)
