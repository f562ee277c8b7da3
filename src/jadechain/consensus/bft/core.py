"""The normal case of the BFT replica: state, proposing, voting and in-order delivery.

The leader of view v (round-robin over sorted node ids) gives the next sequence number to its
oldest pending batch and broadcasts a signed PRE-PREPARE; each replica that accepts it broadcasts
a signed PREPARE. With the pre-prepare and 2f matching prepares a replica is *prepared* (it keeps
that prepared certificate) and broadcasts a signed COMMIT; with 2f+1 matching commits it has a
commit certificate and delivers, strictly in sequence order, at time max(leader's time, previous
block time). Every vote's signature is checked on arrival; a bad one is dropped and counted.

Certificates are digest-only; the batches live in the slots, the delivered log (`Decided`
records) and the `BatchStore` of accepted proposals, from which a replica serves a new leader.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from jadechain.consensus.base import Broadcast, Deliver, Effect
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.auth import MessageAuth
from jadechain.consensus.bft.certs import KEEP, WINDOW, Verifier
from jadechain.consensus.bft.store import BatchStore

TICK_MS = 50
RESEND_MS = 150
PIPELINE = 8  # proposals a leader has in flight
PENDING_MAX = 10_000  # batches waiting to be proposed
PENDING_BYTES_MAX = 256 << 20
RECENT_MAX = 4 * KEEP  # keys of delivered batches, so a late forward is not proposed again
FUTURE_MS = 5_000  # how far ahead of our clock a leader's time may be
TIMEOUT_DOUBLINGS_MAX = 4
CENSOR_TIMEOUTS = 3  # a pending batch older than this many timeouts triggers a view change

Vote = tuple[bytes, bytes]  # (digest, signature)


@dataclass(slots=True)
class Proposal:
    time_ms: int
    batch: m.Batch
    digest: bytes
    leader_sig: bytes


@dataclass(slots=True)
class Slot:
    """What this replica knows of one (view, seq) of the current view."""

    proposal: Proposal | None = None
    prepares: dict[str, Vote] = field(default_factory=dict)  # from replicas other than the leader
    commits: dict[str, Vote] = field(default_factory=dict)
    sent_commit: bool = False
    since_ms: int = 0  # when the proposal arrived: resend only what is not fresh


class ReplicaCore:
    def __init__(
        self,
        node_id: str,
        peers: list[str],
        last_height: int,
        last_time_ms: int,
        auth: MessageAuth,
        view_change_timeout_ms: int,
    ) -> None:
        self.node_id = node_id
        self.nodes = sorted({node_id, *peers})
        self.auth = auth
        self.verifier = Verifier(auth, self.nodes)
        self.f = self.verifier.f
        self.quorum = self.verifier.quorum
        self.timeout_ms = view_change_timeout_ms
        self.view = 0
        self.changing = False  # between leaving a view and accepting the next NEW-VIEW
        self.failed_views = 0
        self.delivered = last_height
        self.time_ms = last_time_ms
        self.log: dict[int, m.Decided] = {}  # delivered seqs > delivered - KEEP
        self.prepared: dict[int, m.Prepared] = {}  # highest-view prepared, undelivered seqs
        self.decided_certs: dict[int, m.Decided] = {}  # from DECIDED, not yet delivered
        self.store = BatchStore()  # batches of accepted proposals, by digest
        self.slots: dict[int, Slot] = {}  # seq -> slot, current view only
        self.pending: OrderedDict[bytes, tuple[m.Batch, int]] = OrderedDict()  # key -> (b, since)
        self.pending_bytes = 0
        self.recent: OrderedDict[bytes, None] = OrderedDict()
        self.proposed: set[bytes] = set()  # batch keys the leader proposed in this view
        self.next_seq = last_height + 1
        self.view_start = 1  # the new view re-proposes from here; lower seqs are settled
        self.required: dict[int, bytes] = {}  # the NEW-VIEW plan of this view: seq -> digest
        self.last_progress_ms = 0
        self.last_resend_ms = 0
        self.dropped = 0  # malformed, forged, oversize or out-of-window messages
        self.now_ms = 0

    # -- helpers -----------------------------------------------------------------------------------

    def leader(self, view: int) -> str:
        return self.verifier.leader(view)

    def _in_window(self, seq: int) -> bool:
        return self.delivered - KEEP < seq <= self.delivered + WINDOW

    def _has_work(self) -> bool:
        return bool(self.pending) or any(
            s.proposal is not None and seq > self.delivered for seq, s in self.slots.items()
        )

    def _timeout(self) -> int:
        return self.timeout_ms * (1 << min(self.failed_views, TIMEOUT_DOUBLINGS_MAX))

    def _add_pending(self, batch: m.Batch, now_ms: int) -> bool:
        key = m.batch_key(batch)
        size = m.batch_bytes(batch)
        if (
            not batch
            or size > m.BATCH_BYTES_MAX
            or key in self.pending
            or key in self.recent
            or len(self.pending) >= PENDING_MAX
        ):
            return False
        if self.pending_bytes + size > PENDING_BYTES_MAX:
            return False
        if not self._has_work():
            self.last_progress_ms = now_ms
        self.pending[key] = (batch, now_ms)
        self.pending_bytes += size
        return True

    def _drop_pending(self, key: bytes) -> None:
        item = self.pending.pop(key, None)
        if item is not None:
            self.pending_bytes -= m.batch_bytes(item[0])

    def _next_pending(self) -> m.Batch | None:
        return next((b for k, (b, _) in self.pending.items() if k not in self.proposed), None)

    # -- proposing -----------------------------------------------------------------------------

    def _propose(self, now_ms: int) -> list[Effect]:
        if self.changing or self.leader(self.view) != self.node_id:
            return []
        effects: list[Effect] = []
        while self.next_seq <= self.delivered + PIPELINE:
            batch = self._next_pending()
            if batch is None:
                break
            self._issue(self.next_seq, max(now_ms, self.time_ms), batch, effects)
            self.next_seq += 1
        return effects

    def _issue(self, seq: int, time_ms: int, batch: m.Batch, effects: list[Effect]) -> None:
        """As leader: sign and broadcast a pre-prepare (it stands for our prepare)."""
        self.proposed.add(m.batch_key(batch))
        digest = m.digest(time_ms, batch)
        sig = self.auth.sign(m.vote_bytes(m.PRE_PREPARE, self.view, seq, digest))
        self._accept(seq, Proposal(time_ms, batch, digest, sig))
        effects.append(Broadcast(m.encode(m.PrePrepare(self.view, seq, time_ms, batch, sig))))
        self._advance(seq, effects)

    def _slot(self, seq: int) -> Slot:
        return self.slots.setdefault(seq, Slot())

    def _accept(self, seq: int, proposal: Proposal) -> None:
        slot = self._slot(seq)
        slot.proposal = proposal
        slot.since_ms = self.now_ms
        self.store.put(proposal.digest, self.view, seq, proposal.time_ms, proposal.batch)

    # -- voting --------------------------------------------------------------------------------

    def _on_pre_prepare(self, sender: str, pp: m.PrePrepare, effects: list[Effect]) -> None:
        if pp.view != self.view or self.changing or sender != self.leader(pp.view):
            return
        if not self._in_window(pp.seq) or pp.seq < self.view_start:
            return
        slot = self._slot(pp.seq)
        if slot.proposal is not None:
            return  # a duplicate or an equivocation: keep the first
        if m.batch_bytes(pp.batch) > m.BATCH_BYTES_MAX:
            self.dropped += 1
            return
        digest = m.digest(pp.time_ms, pp.batch)
        if not self._fits_plan(pp.seq, digest):
            return  # off the NEW-VIEW plan, or not what we delivered
        good = self.verifier.vote_ok(sender, m.PRE_PREPARE, pp.view, pp.seq, digest, pp.sig)
        if not good or pp.time_ms > self.now_ms + FUTURE_MS:
            self.dropped += 1
            return
        self._accept(pp.seq, Proposal(pp.time_ms, pp.batch, digest, pp.sig))
        sig = self.auth.sign(m.vote_bytes(m.PREPARE, pp.view, pp.seq, digest))
        slot.prepares[self.node_id] = (digest, sig)
        effects.append(Broadcast(m.encode(m.Prepare(pp.view, pp.seq, digest, sig))))
        self._advance(pp.seq, effects)

    def _fits_plan(self, seq: int, digest: bytes) -> bool:
        planned = self.required.get(seq)
        if planned is not None and planned != digest:
            return False
        decided = self.log.get(seq)
        return decided is None or decided.cert.digest == digest

    def _on_vote(self, sender: str, vote: m.Prepare | m.Commit, effects: list[Effect]) -> None:
        if vote.view != self.view or not self._in_window(vote.seq):
            return
        is_prepare = isinstance(vote, m.Prepare)
        if is_prepare and sender == self.leader(vote.view):
            return  # the leader's pre-prepare is its prepare
        slot = self._slot(vote.seq)
        votes = slot.prepares if is_prepare else slot.commits
        if sender in votes:
            return
        kind = m.PREPARE if is_prepare else m.COMMIT
        if not self.verifier.vote_ok(sender, kind, vote.view, vote.seq, vote.digest, vote.sig):
            self.dropped += 1
            return
        votes[sender] = (vote.digest, vote.sig)
        self._advance(vote.seq, effects)

    def _advance(self, seq: int, effects: list[Effect]) -> None:
        slot = self.slots.get(seq)
        if slot is None or slot.proposal is None or self.changing:
            return
        if not slot.sent_commit:
            cert = self._prepared_cert(seq, slot.proposal, slot)
            if cert is None:
                return
            slot.sent_commit = True
            if seq > self.delivered:
                self.prepared[seq] = cert
            digest = slot.proposal.digest
            sig = self.auth.sign(m.vote_bytes(m.COMMIT, self.view, seq, digest))
            slot.commits[self.node_id] = (digest, sig)
            effects.append(Broadcast(m.encode(m.Commit(self.view, seq, digest, sig))))
        if self._commit_cert(seq) is not None:
            self._deliver_ready(effects)

    def _prepared_cert(self, seq: int, proposal: Proposal, slot: Slot) -> m.Prepared | None:
        votes = [m.Vote(n, s) for n, (d, s) in slot.prepares.items() if d == proposal.digest]
        if len(votes) < self.quorum - 1:
            return None
        return m.Prepared(
            self.view, seq, proposal.time_ms, proposal.digest, proposal.leader_sig, tuple(votes)
        )

    def _commit_cert(self, seq: int) -> m.Decided | None:
        slot = self.slots.get(seq)
        if slot is None or slot.proposal is None or not slot.sent_commit:
            return None
        p = slot.proposal
        votes = [m.Vote(n, s) for n, (d, s) in slot.commits.items() if d == p.digest]
        if len(votes) < self.quorum:
            return None
        cert = m.Committed(self.view, seq, p.time_ms, p.digest, tuple(votes[: self.quorum]))
        return m.Decided(cert, p.batch)

    # -- delivering ----------------------------------------------------------------------------

    def _deliver_ready(self, effects: list[Effect]) -> None:
        while True:
            seq = self.delivered + 1
            cert = None if self.changing else self._commit_cert(seq)
            if cert is None:
                cert = self.decided_certs.get(seq)
            if cert is None:
                return
            self._deliver(cert, effects)

    def _deliver(self, decided: m.Decided, effects: list[Effect]) -> None:
        seq = decided.cert.seq
        self.delivered = seq
        self.time_ms = max(self.time_ms, decided.cert.time_ms)
        self.log[seq] = decided
        key = m.batch_key(decided.batch)
        self._drop_pending(key)
        self.recent[key] = None
        if len(self.recent) > RECENT_MAX:
            self.recent.popitem(last=False)
        self.failed_views = 0
        self.last_progress_ms = self.now_ms
        self.next_seq = max(self.next_seq, seq + 1)
        effects.append(Deliver(seq, decided.batch, self.time_ms))
        self._forget()

    def _forget(self) -> None:
        """Drop everything below the window: the ledger's block certificates are the checkpoint."""
        floor = self.delivered - KEEP
        for seq in [s for s in self.log if s <= floor]:
            del self.log[seq]
        for seq in [s for s in self.slots if s <= floor]:
            del self.slots[seq]
        for seq in [s for s in self.prepared if s <= self.delivered]:
            del self.prepared[seq]
        for seq in [s for s in self.decided_certs if s <= self.delivered]:
            del self.decided_certs[seq]
        self.store.forget_through(self.delivered)  # delivered batches live in the log
