"""`solo` on several nodes: the leader decides, followers forward and follow in order."""

from __future__ import annotations

from jadechain import codec
from jadechain.consensus import Broadcast, Deliver, Send
from jadechain.consensus.solo_net import Behind, Decided, Forward, SoloNetReplica

NODES = ["a", "b", "c"]


def _replica(node: str) -> SoloNetReplica:
    return SoloNetReplica(node, "a", NODES, 0, 1_000)


def test_the_leader_decides_and_tells_everyone() -> None:
    leader = _replica("a")
    effects = leader.on_batch_ready((b"t1",), 2_000)
    assert effects[0] == Deliver(1, (b"t1",), 2_000)
    assert isinstance(effects[1], Broadcast)
    assert codec.decode(effects[1].message, Decided) == Decided(1, 2_000, (b"t1",))


def test_a_follower_forwards_to_the_leader_and_delivers_in_order() -> None:
    follower = _replica("b")
    [forward] = follower.on_batch_ready((b"t1",), 2_000)
    assert forward == Send("a", codec.encode(Forward((b"t1",))))
    second = codec.encode(Decided(2, 2_002, (b"t2",)))
    first = codec.encode(Decided(1, 2_001, (b"t1",)))
    held = follower.on_message("a", second, 2_100)
    assert not [e for e in held if isinstance(e, Deliver)]
    assert Send("a", codec.encode(Behind(0))) in held  # it asks for what it missed
    delivered = follower.on_message("a", first, 2_500)
    assert [e.height for e in delivered if isinstance(e, Deliver)] == [1, 2]
    assert follower.status().delivered == 2


def test_decisions_from_a_non_leader_and_garbage_are_dropped() -> None:
    follower = _replica("b")
    assert follower.on_message("c", codec.encode(Decided(1, 1, (b"x",))), 0) == []
    assert follower.on_message("a", b"\xff\x00garbage", 0) == []
    assert follower.on_message("zz", codec.encode(Decided(1, 1, (b"x",))), 0) == []
    assert follower.dropped == 3


def test_the_leader_resends_what_a_follower_missed_and_sync_skips_ahead() -> None:
    leader = _replica("a")
    for index in range(3):
        leader.on_batch_ready((bytes([index]),), 2_000 + index)
    resent = leader.on_message("b", codec.encode(Behind(1)), 3_000)
    assert [codec.decode(e.message, Decided).height for e in resent if isinstance(e, Send)] == [
        2,
        3,
    ]
    follower = _replica("c")
    follower.on_synced(3, 2_002, 3_000)
    assert follower.on_message("a", codec.encode(Decided(3, 2_002, (b"\x02",))), 3_001) == []
    assert follower.status().delivered == 3
