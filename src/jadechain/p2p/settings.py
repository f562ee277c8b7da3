"""The transport's configuration, its peers and its counters."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from jadechain.crypto import PublicKey
from jadechain.p2p.frames import LENGTH_MAX


@dataclass(frozen=True)
class PeerInfo:
    """A participant of the ledger and where it listens."""

    node_id: str  # the participant's address (a Base58 string); unique per peer
    public_key: PublicKey  # the participant key registered in the ledger
    host: str
    port: int


@dataclass(frozen=True)
class TransportSettings:
    """Limits and timings; sizes in bytes, durations in seconds."""

    frame_bytes_max: int = 32 * 1024 * 1024  # a bigger frame closes the connection
    send_queue_frames_max: int = 4096  # per peer; when full, new frames are dropped (counted)
    send_queue_bytes_max: int = 128 * 1024 * 1024  # per peer, same policy
    connect_timeout_s: float = 3.0
    handshake_timeout_s: float = 5.0
    backoff_initial_s: float = 0.05  # reconnection backoff, doubling, with jitter
    backoff_max_s: float = 2.0
    keepalive_s: float = 5.0  # an idle outgoing link pings; a link silent for 3x this is closed

    def __post_init__(self) -> None:
        if not 0 < self.frame_bytes_max <= LENGTH_MAX:
            raise ValueError(f"frame_bytes_max must be in 1..{LENGTH_MAX}")
        if self.send_queue_frames_max < 1 or self.send_queue_bytes_max < 1:
            raise ValueError("the send queue bounds must be positive")
        timings = (self.connect_timeout_s, self.handshake_timeout_s, self.keepalive_s)
        if min(timings) <= 0 or self.backoff_initial_s <= 0:
            raise ValueError("timeouts, keepalive and backoff must be positive")
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")

    @property
    def silence_s(self) -> float:
        """How long a link may stay silent before it is considered dead."""
        return 3 * self.keepalive_s


@dataclass(frozen=True)
class TransportStats:
    """A snapshot of the transport's counters (since it was created)."""

    frames_sent: int = 0  # handed to a socket (pings not counted)
    bytes_sent: int = 0  # payload bytes of those frames
    frames_received: int = 0  # delivered to on_message (pings not counted)
    bytes_received: int = 0
    frames_dropped: int = 0  # refused by send() because the peer's queue was full
    frames_too_big: int = 0  # refused by send(): empty or above frame_bytes_max
    handshakes_rejected: int = 0  # handshakes that failed, in either role, for any reason
    closed_oversize: int = 0  # connections closed for a frame above its limit
    closed_garbage: int = 0  # connections closed for bytes that are not a handshake message


@dataclass(slots=True)
class Counters:
    """The live, mutable counters behind `TransportStats`."""

    frames_sent: int = 0
    bytes_sent: int = 0
    frames_received: int = 0
    bytes_received: int = 0
    frames_dropped: int = 0
    frames_too_big: int = 0
    handshakes_rejected: int = 0
    closed_oversize: int = 0
    closed_garbage: int = 0

    def snapshot(self) -> TransportStats:
        return TransportStats(**dataclasses.asdict(self))
