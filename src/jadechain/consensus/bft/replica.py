"""A leader-based BFT replica (PBFT, Castro & Liskov 1999, simplified), n >= 3f+1.

Normal case: the leader of view v (round-robin over sorted node ids) gives the next sequence
number to its oldest pending batch: PRE-PREPARE; every replica that accepts it broadcasts PREPARE;
with 2f+1 matching prepares (the leader's pre-prepare counts as its prepare) a replica is
*prepared* and broadcasts COMMIT; with 2f+1 matching commits it delivers, in sequence order, at
time max(leader's time, previous block time). Followers refuse a leader time far in the future.

View change: a replica with work (pending batches or undelivered proposals) that sees no delivery
for a timeout (doubling per failed view) broadcasts VIEW-CHANGE(v+1, delivered height, its
prepared entries plus its last KEEP delivered ones). f+1 view-changes for a higher view make a
replica join it. The new leader, with 2f+1, broadcasts NEW-VIEW naming the view-changes it used
(sender and digest); each follower checks it holds exactly those messages (they reached it over
authenticated links), computes the same plan -- for each sequence number the entry of the highest
view -- and accepts only pre-prepares that re-propose the planned batches. Free slots get the
leader's oldest pending batch, or an empty batch.

Catch-up: replicas broadcast STATUS; a peer that is behind gets DECIDED heights, and a height is
delivered from DECIDED once f+1 senders agree on it.

Limits of this first cut (messages are unsigned): a Byzantine replica can claim a prepared entry
it never had in its VIEW-CHANGE, so view-change safety holds against crashed, silent and garbling
replicas but not against a forging one; signed prepares (certificates) come with the p2p layer.
A restarted replica catches up only the heights peers still keep (KEEP) and does not learn the
current view except through view changes.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from jadechain.consensus.base import Broadcast, Deliver, Effect, Send, SetTimer
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.messages import Batch, Entry

DECIDED_VIEW = 1 << 62  # a delivered entry outranks any prepared one
TICK_MS = 50
RESEND_MS = 150
WINDOW = 256  # sequence numbers accepted beyond the last delivered
KEEP = 64  # delivered heights kept for catch-up and view changes
PIPELINE = 8  # proposals a leader has in flight
PENDING_MAX = 10_000
FUTURE_MS = 5_000  # how far ahead of our clock a leader's time may be
CATCH_UP_MAX = 16
TIMEOUT_DOUBLINGS_MAX = 6


@dataclass(slots=True)
class Slot:
    """What this replica knows of one (view, seq)."""

    proposal: Entry | None = None
    prepares: dict[str, bytes] = field(default_factory=dict)
    commits: dict[str, bytes] = field(default_factory=dict)
    sent_prepare: bool = False
    sent_commit: bool = False


class BftReplica:
    def __init__(
        self,
        node_id: str,
        peers: list[str],
        last_height: int = 0,
        last_time_ms: int = 0,
        *,
        view_change_timeout_ms: int = 1_000,
    ) -> None:
        self.node_id = node_id
        self.nodes = sorted({node_id, *peers})
        self.f = (len(self.nodes) - 1) // 3
        self.quorum = 2 * self.f + 1
        self.timeout_ms = view_change_timeout_ms
        self.view = 0
        self.changing = False  # between sending VIEW-CHANGE(view) and accepting NEW-VIEW(view)
        self.failed_views = 0
        self.delivered = last_height
        self.time_ms = last_time_ms
        self.log: dict[int, Entry] = {}  # delivered, seq > delivered - KEEP (view DECIDED_VIEW)
        self.prepared: dict[int, Entry] = {}  # highest-view prepared entry, undelivered seqs
        self.slots: dict[tuple[int, int], Slot] = {}
        self.pending: OrderedDict[bytes, Batch] = OrderedDict()
        self.proposed: set[bytes] = set()  # batch keys in flight in this view (leader)
        self.next_seq = last_height + 1
        self.required: dict[int, Entry] = {}  # the NEW-VIEW plan of this view
        self.view_changes: dict[int, dict[str, tuple[m.ViewChange, bytes]]] = {}
        self.new_view: m.NewView | None = None
        self.decided_votes: dict[int, dict[str, tuple[int, Batch]]] = {}
        self.last_progress_ms = 0
        self.last_resend_ms = 0
        self.dropped = 0  # malformed, oversize or out-of-window messages
        self.now_ms = 0

    # -- the replica seam ----------------------------------------------------------------------

    def on_batch_ready(self, batch: Batch, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        key = m.batch_key(batch)
        fresh = not any(m.batch_key(e.batch) == key for e in self.log.values())
        if batch and fresh and key not in self.pending and len(self.pending) < PENDING_MAX:
            if not self._has_work():
                self.last_progress_ms = now_ms
            self.pending[key] = batch
        return self._propose(now_ms)

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        decoded = m.decode(message) if sender in self.nodes and sender != self.node_id else None
        if decoded is None:
            self.dropped += 1
            return []
        effects: list[Effect] = []
        if isinstance(decoded, m.PrePrepare):
            self._on_pre_prepare(sender, decoded, now_ms, effects)
        elif isinstance(decoded, m.Prepare | m.Commit):
            self._on_vote(sender, decoded, effects)
        elif isinstance(decoded, m.ViewChange):
            self._on_view_change(sender, decoded, message, now_ms, effects)
        elif isinstance(decoded, m.NewView):
            if sender == self._leader(decoded.view):
                self._on_new_view(decoded, now_ms, effects)
        elif isinstance(decoded, m.Status):
            self._on_status(sender, decoded, effects)
        else:
            self._on_decided(sender, decoded, now_ms, effects)
        effects.extend(self._propose(now_ms))
        return effects

    def on_tick(self, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        effects: list[Effect] = []
        if not self._has_work():
            self.last_progress_ms = now_ms
        elif now_ms - self.last_progress_ms >= self._timeout():
            self.failed_views += 1
            self._start_view_change(self.view + 1, now_ms, effects)
        if now_ms - self.last_resend_ms >= RESEND_MS:
            self.last_resend_ms = now_ms
            self._resend(effects)
        effects.extend(self._propose(now_ms))
        effects.append(SetTimer(now_ms + TICK_MS))
        return effects

    # -- normal case ---------------------------------------------------------------------------

    def _leader(self, view: int) -> str:
        return self.nodes[view % len(self.nodes)]

    def _has_work(self) -> bool:
        return bool(self.pending) or any(
            s.proposal is not None and seq > self.delivered for (_, seq), s in self.slots.items()
        )

    def _timeout(self) -> int:
        return self.timeout_ms * (1 << min(self.failed_views, TIMEOUT_DOUBLINGS_MAX))

    def _in_window(self, seq: int) -> bool:
        return self.delivered - KEEP < seq <= self.delivered + WINDOW

    def _slot(self, view: int, seq: int) -> Slot:
        return self.slots.setdefault((view, seq), Slot())

    def _propose(self, now_ms: int) -> list[Effect]:
        if self.changing or self._leader(self.view) != self.node_id:
            return []
        effects: list[Effect] = []
        while self.next_seq <= self.delivered + PIPELINE:
            batch = next((b for k, b in self.pending.items() if k not in self.proposed), None)
            if batch is None:
                break
            self.proposed.add(m.batch_key(batch))
            self._issue(Entry(self.view, self.next_seq, max(now_ms, self.time_ms), batch), effects)
            self.next_seq += 1
        return effects

    def _issue(self, entry: Entry, effects: list[Effect]) -> None:
        """As leader: send a pre-prepare and record it as our own prepare."""
        pre = m.PrePrepare(entry.view, entry.seq, entry.time_ms, entry.batch)
        effects.append(Broadcast(m.encode(pre)))
        slot = self._slot(entry.view, entry.seq)
        slot.proposal = entry
        slot.prepares[self.node_id] = m.digest(entry.time_ms, entry.batch)
        slot.sent_prepare = True
        self._advance(entry.view, entry.seq, effects)

    def _on_pre_prepare(
        self, sender: str, pre: m.PrePrepare, now_ms: int, effects: list[Effect]
    ) -> None:
        if pre.view != self.view or self.changing or sender != self._leader(pre.view):
            return
        if not self._in_window(pre.seq) or pre.time_ms > now_ms + FUTURE_MS:
            self.dropped += 1
            return
        slot = self._slot(pre.view, pre.seq)
        if slot.proposal is not None:
            return  # a duplicate, or an equivocating leader: keep the first
        planned = self.required.get(pre.seq)
        if planned is not None and (planned.time_ms, planned.batch) != (pre.time_ms, pre.batch):
            return  # the new leader must re-propose what the view change found prepared
        decided = self.log.get(pre.seq)
        if decided is not None and decided.batch != pre.batch:
            return
        entry = Entry(pre.view, pre.seq, pre.time_ms, pre.batch)
        slot.proposal = entry
        digest = m.digest(pre.time_ms, pre.batch)
        slot.prepares.setdefault(sender, digest)
        slot.prepares[self.node_id] = digest
        slot.sent_prepare = True
        effects.append(Broadcast(m.encode(m.Prepare(pre.view, pre.seq, digest))))
        self._advance(pre.view, pre.seq, effects)

    def _on_vote(self, sender: str, vote: m.Prepare | m.Commit, effects: list[Effect]) -> None:
        if vote.view != self.view or not self._in_window(vote.seq):
            return
        slot = self._slot(vote.view, vote.seq)
        votes = slot.prepares if isinstance(vote, m.Prepare) else slot.commits
        votes.setdefault(sender, vote.digest)
        self._advance(vote.view, vote.seq, effects)

    def _advance(self, view: int, seq: int, effects: list[Effect]) -> None:
        slot = self.slots.get((view, seq))
        if slot is None or slot.proposal is None or view != self.view or self.changing:
            return
        digest = m.digest(slot.proposal.time_ms, slot.proposal.batch)
        if not slot.sent_commit:
            if sum(1 for d in slot.prepares.values() if d == digest) < self.quorum:
                return
            slot.sent_commit = True
            if seq > self.delivered:
                self.prepared[seq] = slot.proposal
            slot.commits[self.node_id] = digest
            effects.append(Broadcast(m.encode(m.Commit(view, seq, digest))))
        if sum(1 for d in slot.commits.values() if d == digest) >= self.quorum:
            self._deliver_ready(effects)

    def _committed(self, seq: int) -> Entry | None:
        slot = self.slots.get((self.view, seq))
        if slot is None or slot.proposal is None or not slot.sent_commit:
            return None
        digest = m.digest(slot.proposal.time_ms, slot.proposal.batch)
        count = sum(1 for d in slot.commits.values() if d == digest)
        return slot.proposal if count >= self.quorum else None

    def _deliver_ready(self, effects: list[Effect]) -> None:
        while True:
            seq = self.delivered + 1
            entry = self._committed(seq) if not self.changing else None
            if entry is None:
                entry = self._decided_by_peers(seq)
            if entry is None:
                return
            self._deliver(entry, effects)

    def _deliver(self, entry: Entry, effects: list[Effect]) -> None:
        seq = entry.seq
        self.delivered = seq
        self.time_ms = max(self.time_ms, entry.time_ms)
        self.log[seq] = Entry(DECIDED_VIEW, seq, self.time_ms, entry.batch)
        self.pending.pop(m.batch_key(entry.batch), None)
        self.prepared.pop(seq, None)
        self.decided_votes.pop(seq, None)
        self.failed_views = 0
        self.last_progress_ms = self.now_ms
        self.next_seq = max(self.next_seq, seq + 1)
        effects.append(Deliver(seq, entry.batch, self.time_ms))
        self._forget()

    def _forget(self) -> None:
        floor = self.delivered - KEEP
        for seq in [s for s in self.log if s <= floor]:
            del self.log[seq]
        for key in [k for k in self.slots if k[1] <= floor or k[0] < self.view]:
            del self.slots[key]
        for seq in [s for s in self.decided_votes if s <= self.delivered]:
            del self.decided_votes[seq]

    # -- view change ---------------------------------------------------------------------------

    def _start_view_change(self, view: int, now_ms: int, effects: list[Effect]) -> None:
        if view <= self.view:
            return
        self.view = view
        self.changing = True
        self.new_view = None
        self.required = {}
        self.proposed = set()
        self.last_progress_ms = now_ms
        entries = tuple(sorted([*self.log.values(), *self.prepared.values()], key=lambda e: e.seq))
        message = m.ViewChange(view, self.delivered, entries)
        encoded = m.encode(message)
        self.view_changes.setdefault(view, {})[self.node_id] = (message, m.batch_key((encoded,)))
        effects.append(Broadcast(encoded))
        self._forget()
        for old in [v for v in self.view_changes if v < view]:
            del self.view_changes[old]
        self._try_new_view(now_ms, effects)

    def _on_view_change(
        self, sender: str, vc: m.ViewChange, raw: bytes, now_ms: int, effects: list[Effect]
    ) -> None:
        if vc.view < self.view or (vc.view == self.view and not self.changing):
            if vc.view == self.view and self._leader(self.view) == self.node_id and self.new_view:
                effects.append(Send(sender, m.encode(self.new_view)))  # it missed our NEW-VIEW
            return
        if vc.view > self.view + WINDOW:
            self.dropped += 1
            return
        known = self.view_changes.setdefault(vc.view, {})
        known.setdefault(sender, (vc, m.batch_key((raw,))))
        # f+1 replicas want a higher view: at least one is honest, so join the lowest such view.
        higher = sorted(
            {v for v, vcs in self.view_changes.items() for _ in vcs if v > self.view},
        )
        for view in higher:
            voters = {s for v, vcs in self.view_changes.items() if v >= view for s in vcs}
            if len(voters - {self.node_id}) >= self.f + 1:
                self._start_view_change(view, now_ms, effects)
                break
        self._try_new_view(now_ms, effects)

    def _try_new_view(self, now_ms: int, effects: list[Effect]) -> None:
        if not self.changing:
            return
        known = self.view_changes.get(self.view, {})
        if self._leader(self.view) == self.node_id:
            if self.node_id not in known or len(known) < self.quorum:
                return
            others = sorted(s for s in known if s != self.node_id)[: self.quorum - 1]
            chosen = sorted([self.node_id, *others])
            self.new_view = m.NewView(self.view, tuple(chosen), tuple(known[s][1] for s in chosen))
            effects.append(Broadcast(m.encode(self.new_view)))
        elif self.new_view is None or self.new_view.view != self.view:
            return
        nv = self.new_view
        used = [known.get(s) for s in nv.senders]
        if len(set(nv.senders)) < self.quorum or any(
            u is None or u[1] != d for u, d in zip(used, nv.digests, strict=True)
        ):
            return  # wait for the view-changes it names (they are resent)
        self._enter_view([u[0] for u in used if u is not None], now_ms, effects)

    def _on_new_view(self, nv: m.NewView, now_ms: int, effects: list[Effect]) -> None:
        if nv.view < self.view or (nv.view == self.view and not self.changing):
            return
        if len(nv.senders) != len(nv.digests) or nv.view > self.view + WINDOW:
            return
        if nv.view > self.view:
            self._start_view_change(nv.view, now_ms, effects)
            if not self.changing or self.view != nv.view:
                return
        self.new_view = nv
        self._try_new_view(now_ms, effects)

    def _enter_view(self, vcs: list[m.ViewChange], now_ms: int, effects: list[Effect]) -> None:
        top = max(vc.delivered for vc in vcs)
        start = max(min(vc.delivered for vc in vcs), top - KEEP) + 1
        plan: dict[int, Entry] = {}
        for vc in vcs:
            for entry in vc.entries:
                best = plan.get(entry.seq)
                if entry.seq >= start and (best is None or entry.view > best.view):
                    plan[entry.seq] = entry
        end = max([top, *plan]) if plan else top
        self.changing = False
        self.required = plan
        self.last_progress_ms = now_ms
        self.next_seq = max(end + 1, self.delivered + 1)
        if self._leader(self.view) != self.node_id:
            return
        for seq in range(start, end + 1):
            planned = plan.get(seq)
            if planned is None:
                batch = next((b for k, b in self.pending.items() if k not in self.proposed), ())
                planned = Entry(self.view, seq, max(now_ms, self.time_ms), batch)
            self.proposed.add(m.batch_key(planned.batch))
            self._issue(Entry(self.view, seq, planned.time_ms, planned.batch), effects)

    # -- catch-up and resending ------------------------------------------------------------------

    def _on_status(self, sender: str, status: m.Status, effects: list[Effect]) -> None:
        for seq in range(
            status.delivered + 1, min(self.delivered, status.delivered + CATCH_UP_MAX) + 1
        ):
            entry = self.log.get(seq)
            if entry is not None:
                effects.append(Send(sender, m.encode(m.Decided(seq, entry.time_ms, entry.batch))))

    def _on_decided(
        self, sender: str, decided: m.Decided, now_ms: int, effects: list[Effect]
    ) -> None:
        if decided.seq <= self.delivered or not self._in_window(decided.seq):
            return
        votes = self.decided_votes.setdefault(decided.seq, {})
        votes.setdefault(sender, (decided.time_ms, decided.batch))
        self._deliver_ready(effects)

    def _decided_by_peers(self, seq: int) -> Entry | None:
        votes = list(self.decided_votes.get(seq, {}).values())
        for value in votes:
            if votes.count(value) >= self.f + 1:
                return Entry(DECIDED_VIEW, seq, value[0], value[1])
        return None

    def _resend(self, effects: list[Effect]) -> None:
        effects.append(Broadcast(m.encode(m.Status(self.view, self.delivered))))
        if self.changing:
            mine = self.view_changes.get(self.view, {}).get(self.node_id)
            if mine is not None:
                effects.append(Broadcast(m.encode(mine[0])))
            return
        for (view, seq), slot in sorted(self.slots.items()):
            if view != self.view or seq <= self.delivered or slot.proposal is None:
                continue
            digest = m.digest(slot.proposal.time_ms, slot.proposal.batch)
            if self._leader(view) == self.node_id:
                p = slot.proposal
                effects.append(Broadcast(m.encode(m.PrePrepare(view, seq, p.time_ms, p.batch))))
            else:
                effects.append(Broadcast(m.encode(m.Prepare(view, seq, digest))))
            if slot.sent_commit:
                effects.append(Broadcast(m.encode(m.Commit(view, seq, digest))))
