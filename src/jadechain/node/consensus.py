"""The consensus replica a peer runs for a ledger, chosen by the ledger's settings.

- one participant: `SoloReplica`, no network;
- `solo` with several participants: `SoloNetReplica`, led by the first participant of the init
  document;
- `bft`: `BftReplica` over all active participants, its votes signed with the participant key;
  `consensus_settings["view_change_timeout_ms"]` (default 1000) sets its view-change timeout.
Node ids are participant addresses.
"""

from __future__ import annotations

from jadechain.consensus import Replica, SoloReplica
from jadechain.consensus.solo_net import SoloNetReplica
from jadechain.crypto import KeyPair, address_of
from jadechain.ledger.state import ParticipantRecord
from jadechain.ledger.store import Ledger

VIEW_CHANGE_TIMEOUT_MS_DEFAULT = 1_000
PROVIDERS = ("solo", "bft")


class ConsensusConfigError(ValueError):
    """The ledger names a consensus provider or setting this peer cannot run."""


def make_replica(
    ledger: Ledger, signer: KeyPair, participants: dict[str, ParticipantRecord]
) -> Replica:
    settings = ledger.settings()
    height, time_ms = ledger.height, ledger.head.time_ms
    me = address_of(signer.public)
    if len(participants) <= 1:
        return SoloReplica(height, time_ms)
    if settings.consensus_provider == "solo":
        first = ledger.init_document().document.participants[0].public_key
        return SoloNetReplica(me, address_of(first), sorted(participants), height, time_ms)
    if settings.consensus_provider == "bft":
        return _bft(settings.consensus_settings, signer, participants, height, time_ms)
    raise ConsensusConfigError(
        f"consensus provider {settings.consensus_provider!r} is not one of {', '.join(PROVIDERS)}"
    )


def _bft(
    options: dict[str, str],
    signer: KeyPair,
    participants: dict[str, ParticipantRecord],
    height: int,
    time_ms: int,
) -> Replica:
    from jadechain.consensus.bft import BftReplica
    from jadechain.consensus.bft.auth import KeyAuth

    text = options.get("view_change_timeout_ms", str(VIEW_CHANGE_TIMEOUT_MS_DEFAULT))
    if not text.isdigit() or not 50 <= int(text) <= 600_000:
        raise ConsensusConfigError(f"view_change_timeout_ms must be 50-600000, got {text!r}")
    me = address_of(signer.public)
    keys = {address: record.public_key for address, record in participants.items()}
    return BftReplica(
        me,
        sorted(a for a in participants if a != me),
        height,
        time_ms,
        auth=KeyAuth(signer, keys),
        view_change_timeout_ms=int(text),
    )
