"""Catching up: STATUS and DECIDED inside consensus, block sync outside it, and resending.

Every RESEND_MS a replica broadcasts STATUS(view, delivered) and resends what lossy links may have
eaten (its VIEW-CHANGE while changing, else its votes on undelivered slots, and as a new leader
its FETCH-BATCHes). A peer that sees the STATUS of a replica behind it sends DECIDED messages --
each a height with its commit certificate and its batch (one per message), so one copy from any
sender is enough once it verifies. Only the last KEEP heights are kept: a replica further behind
waits for the node's block sync, which calls `on_synced`. The leader of the current view answers a
STATUS from an older view with its NEW-VIEW, which is self-contained, so a restarted replica
enters the current view directly.
"""

from __future__ import annotations

from jadechain.consensus.base import Broadcast, Effect, Send
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.certs import KEEP, WINDOW
from jadechain.consensus.bft.core import RESEND_MS
from jadechain.consensus.bft.viewchange import ViewChangeReplica

CATCH_UP_MAX = 16  # DECIDED heights sent in answer to one STATUS


class CatchUpReplica(ViewChangeReplica):
    def _on_status(self, sender: str, status: m.Status, effects: list[Effect]) -> None:
        last = min(self.delivered, status.delivered + CATCH_UP_MAX)
        for seq in range(status.delivered + 1, last + 1):
            decided = self.log.get(seq)
            if decided is not None:
                effects.append(Send(sender, m.encode(decided)))
        if status.view < self.view and self.leader(self.view) == self.node_id:
            self._resend_new_view(sender, effects)

    def _on_decided(self, decided: m.Decided, effects: list[Effect]) -> None:
        cert = decided.cert
        if not self.delivered < cert.seq <= self.delivered + WINDOW:
            return
        if cert.seq in self.decided_certs:
            return
        if not self.verifier.decided_ok(decided):
            self.dropped += 1
            return
        self.decided_certs[cert.seq] = decided
        self._deliver_ready(effects)

    def _synced(self, height: int, time_ms: int) -> None:
        """Block sync installed heights up to `height`: skip them, never deliver them."""
        self.time_ms = max(self.time_ms, time_ms)
        if height <= self.delivered:
            return
        self.delivered = height
        self.next_seq = max(self.next_seq, height + 1)
        self.failed_views = 0
        self.last_progress_ms = self.now_ms
        for seq in [s for s in self.slots if s <= height - KEEP]:
            del self.slots[seq]
        self._forget()

    def _resend(self, effects: list[Effect]) -> None:
        effects.append(Broadcast(m.encode(m.Status(self.view, self.delivered))))
        if self.changing:
            mine = self.view_changes.get(self.node_id)
            if mine is not None and mine.view == self.view:
                effects.append(Broadcast(m.encode(mine)))
            return
        self._refetch(effects)
        leading = self.leader(self.view) == self.node_id
        for seq, slot in sorted(self.slots.items()):
            p = slot.proposal
            if seq <= self.delivered or p is None or self.now_ms - slot.since_ms < RESEND_MS:
                continue
            if leading:
                pp = m.PrePrepare(self.view, seq, p.time_ms, p.batch, p.leader_sig)
                effects.append(Broadcast(m.encode(pp)))
            elif self.node_id in slot.prepares:
                sig = slot.prepares[self.node_id][1]
                effects.append(Broadcast(m.encode(m.Prepare(self.view, seq, p.digest, sig))))
            if self.node_id in slot.commits:
                sig = slot.commits[self.node_id][1]
                effects.append(Broadcast(m.encode(m.Commit(self.view, seq, p.digest, sig))))
