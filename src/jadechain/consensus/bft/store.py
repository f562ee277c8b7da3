"""Batches of the proposals a replica accepted, by digest H(time, batch).

Certificates travel digest-only, so the batch of a certified proposal must still be somewhere when
a new leader re-proposes it: every replica keeps the batch of each proposal it accepted (as leader
or by voting for its pre-prepare) until the height is delivered (then the delivered log holds it)
and serves it on FETCH-BATCH. Bounded: on a view change only the last view that had proposals and
the batches of prepared certificates (which may be re-proposed) survive, so the store holds at
most two windows of batches.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from jadechain.consensus.bft import messages as m


@dataclass(frozen=True, slots=True)
class Known:
    view: int
    seq: int
    time_ms: int
    batch: m.Batch


class BatchStore:
    def __init__(self) -> None:
        self._known: dict[bytes, Known] = {}

    def __len__(self) -> int:
        return len(self._known)

    def put(self, digest: bytes, view: int, seq: int, time_ms: int, batch: m.Batch) -> None:
        known = self._known.get(digest)
        if known is None or known.view < view:
            self._known[digest] = Known(view, seq, time_ms, batch)

    def get(self, digest: bytes) -> Known | None:
        return self._known.get(digest)

    def forget_through(self, seq: int) -> None:
        """Drop the batches of heights up to `seq` (delivered: the log keeps them)."""
        for digest in [d for d, k in self._known.items() if k.seq <= seq]:
            del self._known[digest]

    def forget_old_views(self, keep: Collection[bytes]) -> None:
        """Keep the batches of the latest view that had proposals and those named in `keep`."""
        if not self._known:
            return
        latest = max(k.view for k in self._known.values())
        for digest in [d for d, k in self._known.items() if k.view < latest and d not in keep]:
            del self._known[digest]
