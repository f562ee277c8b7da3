"""A leader-based BFT replica with signed messages (PBFT, Castro & Liskov 1999/2002), n >= 3f+1.

The replica is split by responsibility: `core` (the normal case: pre-prepare, prepare, commit,
delivery), `viewchange` (VIEW-CHANGE and self-contained NEW-VIEW), `catchup` (STATUS, DECIDED,
block sync, resending) and `certs` (checking certificates, the NEW-VIEW plan). This module is the
replica seam: it decodes and routes messages and drives timers.

Forwarding: every batch offered to a replica is broadcast as FORWARD -- by the leader too, which
may be a stale one that restarted and has not yet learnt the current view -- so every replica
holds it pending (bounded, deduplicated) and any later leader can propose it; a leader that
leaves pending batches unproposed is replaced by a view change.

Size bound: every message this replica emits is at most MESSAGE_BYTES_MAX, given batches of at
most BATCH_BYTES_MAX (larger ones are refused): batches travel one per message and certificates
by digest. `_bounded` checks it on the way out; a message over the bound (which the design rules
out) is not sent but counted in `oversize`, so a test can assert there are none.
"""

from __future__ import annotations

from jadechain.consensus.base import Broadcast, Effect, ReplicaStatus, Send, SetTimer
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.auth import MessageAuth
from jadechain.consensus.bft.catchup import CatchUpReplica
from jadechain.consensus.bft.core import RESEND_MS, TICK_MS


class BftReplica(CatchUpReplica):
    def __init__(
        self,
        node_id: str,
        peers: list[str],
        last_height: int = 0,
        last_time_ms: int = 0,
        *,
        auth: MessageAuth,
        view_change_timeout_ms: int = 1_000,
    ) -> None:
        super().__init__(node_id, peers, last_height, last_time_ms, auth, view_change_timeout_ms)
        self._init_view_change()
        self.oversize = 0  # emitted messages over MESSAGE_BYTES_MAX, withheld (should stay 0)
        self.largest_sent = 0  # bytes of the longest message emitted

    # -- the replica seam ----------------------------------------------------------------------

    def on_batch_ready(self, batch: m.Batch, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        effects: list[Effect] = []
        if self._add_pending(batch, now_ms):  # also as leader: we may be a stale one (restarted)
            effects.append(Broadcast(m.encode(m.Forward(batch))))
        effects.extend(self._propose(now_ms))
        return self._bounded(effects)

    def on_message(self, sender: str, message: bytes, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        known = sender in self.nodes and sender != self.node_id
        decoded = m.decode(message) if known else None
        if decoded is None:
            self.dropped += 1
            return []
        effects: list[Effect] = []
        self._route(sender, decoded, effects)
        effects.extend(self._propose(now_ms))
        return self._bounded(effects)

    def on_tick(self, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        effects: list[Effect] = []
        self._check_timeouts(now_ms, effects)
        if now_ms - self.last_resend_ms >= RESEND_MS:
            self.last_resend_ms = now_ms
            self._resend(effects)
        effects.extend(self._propose(now_ms))
        effects.append(SetTimer(now_ms + TICK_MS))
        return self._bounded(effects)

    def on_synced(self, height: int, time_ms: int, now_ms: int) -> list[Effect]:
        self.now_ms = now_ms
        self._synced(height, time_ms)
        return self._bounded(self._propose(now_ms))

    def status(self) -> ReplicaStatus:
        return ReplicaStatus(
            "bft", self.view, self.leader(self.view), self.delivered, self.changing
        )

    def _bounded(self, effects: list[Effect]) -> list[Effect]:
        out: list[Effect] = []
        for effect in effects:
            if isinstance(effect, Send | Broadcast):
                size = len(effect.message)
                self.largest_sent = max(self.largest_sent, size)
                if size > m.MESSAGE_BYTES_MAX:
                    self.oversize += 1
                    continue
            out.append(effect)
        return out

    # -- routing -------------------------------------------------------------------------------

    def _route(self, sender: str, message: m.Message, effects: list[Effect]) -> None:
        if isinstance(message, m.PrePrepare):
            self._on_pre_prepare(sender, message, effects)
        elif isinstance(message, m.Prepare | m.Commit):
            self._on_vote(sender, message, effects)
        elif isinstance(message, m.ViewChange):
            self._on_view_change(sender, message, effects)
        elif isinstance(message, m.NewView):
            self._on_new_view(sender, message, effects)
        elif isinstance(message, m.Status):
            self._on_status(sender, message, effects)
        elif isinstance(message, m.Decided):
            self._on_decided(message, effects)
        elif isinstance(message, m.FetchBatch):
            self._on_fetch(sender, message, effects)
        elif isinstance(message, m.BatchReply):
            self._on_batch_reply(message, effects)
        else:
            self._add_pending(message.batch, self.now_ms)
