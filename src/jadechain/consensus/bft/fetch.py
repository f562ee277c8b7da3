"""Re-proposing a NEW-VIEW plan, and fetching the batches it names by digest.

The plan is computed from digest-only certificates. The new leader re-proposes each planned
entry with an ordinary PRE-PREPARE carrying the batch, which it takes from its own delivered log,
pending DECIDED certificates or `BatchStore`; for a digest it lacks it sends FETCH-BATCH(view,
digest) to the replicas whose certificates name it (then, every RESEND_MS, to everyone) and
re-proposes when a BATCH-REPLY(time, batch) with H(time, batch) = digest arrives. One batch per
message, so every message stays within MESSAGE_BYTES_MAX however large the window.

Who serves: any replica holding the batch, but only to the leader of its current or next view
and at most once per digest per RESEND_MS, so a Byzantine replica cannot turn small requests into
a flood of batches.
"""

from __future__ import annotations

from jadechain.consensus.base import Broadcast, Effect, Send
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.certs import WINDOW, Plan
from jadechain.consensus.bft.core import RESEND_MS, ReplicaCore

SERVED_MAX = 4 * WINDOW  # digests remembered for throttling replies


class FetchReplica(ReplicaCore):
    def _init_fetch(self) -> None:
        self.missing: dict[bytes, list[int]] = {}  # as leader: digest -> planned seqs lacking it
        self.served: dict[bytes, int] = {}  # digest -> when we last sent its batch

    def _find_batch(self, seq: int, digest: bytes) -> tuple[int, m.Batch] | None:
        for decided in (self.log.get(seq), self.decided_certs.get(seq)):
            if decided is not None and decided.cert.digest == digest:
                return decided.cert.time_ms, decided.batch
        known = self.store.get(digest)
        return None if known is None else (known.time_ms, known.batch)

    def _propose_plan(self, plan: Plan, effects: list[Effect]) -> None:
        """As the new leader: re-propose every planned height, fetching batches we lack."""
        self.missing = {}
        for seq in range(plan.start, plan.end + 1):
            digest = plan.entries.get(seq)
            if digest is None:
                self._issue_free(seq, effects)
                continue
            found = self._find_batch(seq, digest)
            if found is None:
                self.missing.setdefault(digest, []).append(seq)
            else:
                self._issue(seq, found[0], found[1], effects)
        for digest in self.missing:
            for node in plan.holders.get(digest, ()):
                if node != self.node_id:
                    effects.append(Send(node, m.encode(m.FetchBatch(self.view, digest))))

    def _issue_free(self, seq: int, effects: list[Effect]) -> None:
        """A planned height with no certificate: what we delivered there, else a pending batch."""
        decided = self.log.get(seq)
        if decided is not None:
            self._issue(seq, decided.cert.time_ms, decided.batch, effects)
        else:
            time_ms = max(self.now_ms, self.time_ms)
            self._issue(seq, time_ms, self._next_pending() or (), effects)

    def _refetch(self, effects: list[Effect]) -> None:
        """Still missing after a resend period: ask everyone."""
        if self.changing or self.leader(self.view) != self.node_id:
            return
        for digest in self.missing:
            effects.append(Broadcast(m.encode(m.FetchBatch(self.view, digest))))

    def _on_fetch(self, sender: str, fetch: m.FetchBatch, effects: list[Effect]) -> None:
        if sender != self.leader(fetch.view) or not self.view <= fetch.view <= self.view + 1:
            return
        last = self.served.get(fetch.digest)
        if last is not None and self.now_ms - last < RESEND_MS:
            return
        found = self._held(fetch.digest)
        if found is None:
            return
        if len(self.served) >= SERVED_MAX:
            self.served.clear()
        self.served[fetch.digest] = self.now_ms
        effects.append(Send(sender, m.encode(m.BatchReply(*found))))

    def _held(self, digest: bytes) -> tuple[int, m.Batch] | None:
        known = self.store.get(digest)
        if known is not None:
            return known.time_ms, known.batch
        for decided in (*self.log.values(), *self.decided_certs.values()):
            if decided.cert.digest == digest:
                return decided.cert.time_ms, decided.batch
        return None

    def _on_batch_reply(self, reply: m.BatchReply, effects: list[Effect]) -> None:
        if not self.missing or self.changing or self.leader(self.view) != self.node_id:
            return
        if m.batch_bytes(reply.batch) > m.BATCH_BYTES_MAX:
            self.dropped += 1
            return
        digest = m.digest(reply.time_ms, reply.batch)
        seqs = self.missing.pop(digest, None)
        if seqs is None:
            return  # a late duplicate, or not a batch we asked for
        for seq in seqs:
            slot = self.slots.get(seq)
            if slot is None or slot.proposal is None:
                self._issue(seq, reply.time_ms, reply.batch, effects)
