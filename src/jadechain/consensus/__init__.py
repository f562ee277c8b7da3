"""Consensus: the replica seam (a pure state machine) and its providers."""

from jadechain.consensus.base import (
    Broadcast,
    Deliver,
    Effect,
    Replica,
    ReplicaStatus,
    Send,
    SetTimer,
)
from jadechain.consensus.solo import SoloReplica

__all__ = [
    "Broadcast",
    "Deliver",
    "Effect",
    "Replica",
    "ReplicaStatus",
    "Send",
    "SetTimer",
    "SoloReplica",
]
