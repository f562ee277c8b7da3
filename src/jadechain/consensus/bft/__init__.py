"""`bft`: a leader-based Byzantine fault tolerant replica (PBFT-style), n >= 3f+1."""

from jadechain.consensus.bft.replica import BftReplica

__all__ = ["BftReplica"]
