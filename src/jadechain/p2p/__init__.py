"""Authenticated peer-to-peer transport for the participants of one ledger.

The protocol (framing, handshake, links, limits) is described in `jadechain.p2p.transport`.
"""

from jadechain.p2p.settings import PeerInfo, TransportSettings, TransportStats
from jadechain.p2p.transport import Transport

__all__ = ["PeerInfo", "Transport", "TransportSettings", "TransportStats"]
