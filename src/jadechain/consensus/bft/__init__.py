"""`bft`: a leader-based Byzantine fault tolerant replica (PBFT-style, signed), n >= 3f+1."""

from jadechain.consensus.bft.auth import KeyAuth, MessageAuth, SimAuth
from jadechain.consensus.bft.replica import BftReplica

__all__ = ["BftReplica", "KeyAuth", "MessageAuth", "SimAuth"]
