"""View change: leaving a view that makes no progress, and starting the next from a NEW-VIEW.

A replica with work that sees no delivery for a timeout (doubling per failed view), or holds a
pending batch the leader ignores for CENSOR_TIMEOUTS timeouts, broadcasts a signed VIEW-CHANGE
for the next view with its proven delivered height, the commit certificates of its last PROVEN
heights and its prepared certificates, all digest-only (a few hundred bytes each). f+1
VIEW-CHANGEs for higher views make a replica join the lowest view that f+1 of them reached. The
leader of the view, holding 2f+1 of them, broadcasts a NEW-VIEW that embeds them; every replica
checks it and computes the same plan of digests (`certs.plan`), and accepts in the new view only
pre-prepares whose H(time, batch) is the planned digest. The leader re-proposes the planned
batches (`fetch`), fetching any it lacks.
"""

from __future__ import annotations

from jadechain.consensus.base import Broadcast, Effect, Send
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.certs import PROVEN
from jadechain.consensus.bft.core import CENSOR_TIMEOUTS, RESEND_MS
from jadechain.consensus.bft.fetch import FetchReplica

NEW_VIEW_RESEND_MS = 4 * RESEND_MS  # to one peer, at most this often


class ViewChangeReplica(FetchReplica):
    def _init_view_change(self) -> None:
        self._init_fetch()
        self.view_changes: dict[str, m.ViewChange] = {}  # the latest valid one of each replica
        self.new_view: m.NewView | None = None
        self.new_view_sent: dict[str, int] = {}

    def _check_timeouts(self, now_ms: int, effects: list[Effect]) -> None:
        if not self.changing and not self._has_work():
            self.last_progress_ms = now_ms
            return
        oldest = next(iter(self.pending.values()), None)
        censored = oldest is not None and now_ms - oldest[1] >= CENSOR_TIMEOUTS * self._timeout()
        if now_ms - self.last_progress_ms >= self._timeout() or censored:
            self.failed_views += 1
            self._start_view_change(self.view + 1, effects)

    def _move_to(self, view: int) -> None:
        """Leave the current view for `view` (> the current one): forget the old view's slots."""
        self.view = view
        self.changing = True
        self.new_view = None
        self.required = {}
        self.proposed = set()
        self.slots = {}
        self.missing = {}
        self.store.forget_old_views({p.digest for p in self.prepared.values()})
        self.last_progress_ms = self.now_ms
        for node in [n for n, vc in self.view_changes.items() if vc.view < view]:
            del self.view_changes[node]

    def _start_view_change(self, view: int, effects: list[Effect]) -> None:
        if view <= self.view:
            return
        self._move_to(view)
        vc = self._my_view_change()
        self.view_changes[self.node_id] = vc
        effects.append(Broadcast(m.encode(vc)))
        self._try_new_view(effects)

    def _my_view_change(self) -> m.ViewChange:
        decided = tuple(self.log[s].cert for s in sorted(self.log)[-PROVEN:])
        prepared = tuple(self.prepared[s] for s in sorted(self.prepared) if s > self.delivered)
        unsigned = m.ViewChange(self.node_id, self.view, self.delivered, decided, prepared, b"")
        sig = self.auth.sign(m.view_change_bytes(unsigned))
        return m.ViewChange(self.node_id, self.view, self.delivered, decided, prepared, sig)

    def _on_view_change(self, sender: str, vc: m.ViewChange, effects: list[Effect]) -> None:
        if vc.node != sender or not self.verifier.view_change_ok(vc):
            self.dropped += 1
            return
        if vc.view < self.view or (vc.view == self.view and not self.changing):
            if vc.view == self.view:
                self._resend_new_view(sender, effects)  # it missed our NEW-VIEW
            return
        known = self.view_changes.get(sender)
        if known is not None and known.view >= vc.view:
            return
        self.view_changes[sender] = vc
        self._maybe_join(effects)
        self._try_new_view(effects)

    def _maybe_join(self, effects: list[Effect]) -> None:
        """f+1 replicas want a higher view: at least one is honest, so follow them."""
        views = sorted(
            (vc.view for n, vc in self.view_changes.items() if n != self.node_id),
            reverse=True,
        )
        if len(views) > self.f and views[self.f] > self.view:
            self._start_view_change(views[self.f], effects)

    def _try_new_view(self, effects: list[Effect]) -> None:
        if not self.changing or self.leader(self.view) != self.node_id:
            return
        mine = [vc for vc in self.view_changes.values() if vc.view == self.view]
        if self.node_id not in self.view_changes or len(mine) < self.quorum:
            return
        others = sorted((vc for vc in mine if vc.node != self.node_id), key=lambda vc: vc.node)
        chosen = [self.view_changes[self.node_id], *others[: self.quorum - 1]]
        nv = m.NewView(self.view, tuple(chosen))
        effects.append(Broadcast(m.encode(nv)))
        self._enter(nv, effects)

    def _on_new_view(self, sender: str, nv: m.NewView, effects: list[Effect]) -> None:
        if sender != self.leader(nv.view) or nv.view < self.view:
            return
        if nv.view == self.view and not self.changing:
            return
        if not self.verifier.new_view_ok(nv):
            self.dropped += 1
            return
        if nv.view > self.view:
            self._move_to(nv.view)  # a view we missed (restart, partition): the proof suffices
        self._enter(nv, effects)

    def _enter(self, nv: m.NewView, effects: list[Effect]) -> None:
        plan = self.verifier.plan(nv.view, nv.view_changes)
        self.new_view = nv
        self.changing = False
        self.view_start = plan.start
        self.required = plan.entries
        self.next_seq = max(plan.end + 1, self.delivered + 1)
        self.last_progress_ms = self.now_ms
        for key, (batch, _) in self.pending.items():
            self.pending[key] = (batch, self.now_ms)
        if self.leader(self.view) == self.node_id:
            self._propose_plan(plan, effects)
        self._deliver_ready(effects)

    def _resend_new_view(self, peer: str, effects: list[Effect]) -> None:
        if self.changing or self.new_view is None or self.new_view.view != self.view:
            return
        last = self.new_view_sent.get(peer)
        if last is not None and self.now_ms - last < NEW_VIEW_RESEND_MS:
            return
        self.new_view_sent[peer] = self.now_ms
        effects.append(Send(peer, m.encode(self.new_view)))
