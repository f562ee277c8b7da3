"""Checking certificates and computing the NEW-VIEW plan. Pure functions of signed data.

Certificates are digest-only: votes are signed over (kind, view, seq, H(time, batch)). The plan
(PBFT's choice of what a new view re-proposes), from 2f+1 signed VIEW-CHANGEs:

- A VIEW-CHANGE's `delivered` claim counts only if proven by a commit certificate for that
  height (0 needs none). Let d be the (f+1)-th highest proven claim -- at least one honest replica
  delivered every height up to d -- and top the highest. The plan starts at
  max(d, top - PROVEN) + 1. Safety: a height s >= start that was committed was prepared by f+1
  honest replicas, one of them (H) in any 2f+1 VIEW-CHANGEs; H reports s, as a prepared
  certificate if s > delivered(H), else as one of its last PROVEN commit certificates, since
  s > top - PROVEN >= delivered(H) - PROVEN.
- For each height from the start, the entry to re-propose is the digest with a valid commit
  certificate, else the valid prepared certificate of the highest view; certificates that do not
  verify are ignored, so a Byzantine replica cannot plant an entry. `holders` names the replicas
  whose VIEW-CHANGEs certify each digest: the leader fetches a batch it lacks from them.
- Heights up to max(top, highest certified height) with no certificate are free for the leader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.auth import MessageAuth

KEEP = 64  # delivered heights kept with their commit certificates (for DECIDED)
PROVEN = 8  # delivered heights a VIEW-CHANGE proves (the PIPELINE); the plan's margin below top
WINDOW = 256  # sequence numbers accepted beyond the last delivered
DECIDED_RANK = 1 << 62  # a committed entry outranks any prepared one


@dataclass(frozen=True, slots=True)
class Plan:
    start: int
    end: int
    entries: dict[int, bytes]  # seq -> digest the leader must re-propose
    holders: dict[bytes, tuple[str, ...]]  # digest -> replicas whose certificates name it


class Verifier:
    def __init__(self, auth: MessageAuth, nodes: list[str]) -> None:
        self.auth = auth
        self.nodes = nodes
        self.f = (len(nodes) - 1) // 3
        # n - f: 2f+1 when n = 3f+1; for other n it keeps any two quorums sharing an honest node
        self.quorum = len(nodes) - self.f
        self._checked: dict[bytes, bool] = {}  # signature -> valid, for VIEW-CHANGEs seen again

    def leader(self, view: int) -> str:
        return self.nodes[view % len(self.nodes)]

    def vote_ok(self, node: str, kind: str, view: int, seq: int, digest: bytes, sig: bytes) -> bool:
        if node not in self.nodes:
            return False
        return self.auth.verify(node, m.vote_bytes(kind, view, seq, digest), sig)

    def _votes_ok(self, kind: str, cert: m.Prepared | m.Committed, votes: Iterable[m.Vote]) -> int:
        """How many distinct nodes validly signed `kind` for the certificate's digest."""
        good: set[str] = set()
        for vote in votes:
            if vote.node in good:
                continue
            if self.vote_ok(vote.node, kind, cert.view, cert.seq, cert.digest, vote.sig):
                good.add(vote.node)
        return len(good)

    def prepared_ok(self, cert: m.Prepared) -> bool:
        leader = self.leader(cert.view)
        sig = cert.leader_sig
        if not self.vote_ok(leader, m.PRE_PREPARE, cert.view, cert.seq, cert.digest, sig):
            return False
        others = [v for v in cert.prepares if v.node != leader]
        return self._votes_ok(m.PREPARE, cert, others) >= self.quorum - 1

    def committed_ok(self, cert: m.Committed) -> bool:
        return self._votes_ok(m.COMMIT, cert, cert.commits) >= self.quorum

    def decided_ok(self, decided: m.Decided) -> bool:
        """A commit certificate and the batch (and time) it certifies."""
        cert = decided.cert
        return (
            m.batch_bytes(decided.batch) <= m.BATCH_BYTES_MAX
            and m.digest(cert.time_ms, decided.batch) == cert.digest
            and self.committed_ok(cert)
        )

    def view_change_ok(self, vc: m.ViewChange) -> bool:
        """The VIEW-CHANGE's own signature (its certificates are checked by `plan`)."""
        known = self._checked.get(vc.sig)
        if known is None:
            known = vc.node in self.nodes and self.auth.verify(
                vc.node, m.view_change_bytes(vc), vc.sig
            )
            if len(self._checked) > 4 * len(self.nodes):
                self._checked.clear()
            self._checked[vc.sig] = known
        return known

    def new_view_ok(self, nv: m.NewView) -> bool:
        nodes = {vc.node for vc in nv.view_changes}
        return (
            len(nodes) == len(nv.view_changes) >= self.quorum
            and all(vc.view == nv.view for vc in nv.view_changes)
            and self.leader(nv.view) in nodes
            and all(self.view_change_ok(vc) for vc in nv.view_changes)
        )

    # -- the plan --------------------------------------------------------------------------------

    def proven_delivered(self, vc: m.ViewChange) -> int:
        if vc.delivered == 0:
            return 0
        for cert in vc.decided:
            if cert.seq == vc.delivered and self.committed_ok(cert):
                return vc.delivered
        return 0

    def plan(self, view: int, vcs: Iterable[m.ViewChange]) -> Plan:
        vcs = list(vcs)
        proven = sorted((self.proven_delivered(vc) for vc in vcs), reverse=True)
        top = proven[0]
        start = max(proven[self.f], top - PROVEN) + 1
        best: dict[int, tuple[int, bytes]] = {}
        holders: dict[bytes, list[str]] = {}
        for vc in vcs:
            for rank, cert in self._certs(vc, view, start):
                holders.setdefault(cert.digest, []).append(vc.node)
                known = best.get(cert.seq)
                if known is None or rank > known[0]:
                    best[cert.seq] = (rank, cert.digest)
        end = max([top, *best])
        entries = {seq: digest for seq, (_, digest) in best.items()}
        return Plan(start, end, entries, {d: tuple(nodes) for d, nodes in holders.items()})

    def _certs(
        self, vc: m.ViewChange, view: int, start: int
    ) -> Iterable[tuple[int, m.Prepared | m.Committed]]:
        def wanted(cert: m.Prepared | m.Committed) -> bool:
            return start <= cert.seq < start + WINDOW and cert.view < view

        for committed in vc.decided:
            if wanted(committed) and self.committed_ok(committed):
                yield DECIDED_RANK, committed
        for prepared in vc.prepared:
            if wanted(prepared) and self.prepared_ok(prepared):
                yield prepared.view, prepared
