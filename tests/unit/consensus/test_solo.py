"""The solo replica: consecutive heights, strictly increasing times, deaf to peers."""

from __future__ import annotations

from jadechain.consensus import Deliver, SoloReplica


def test_each_batch_is_delivered_at_the_next_height() -> None:
    replica = SoloReplica(last_height=4, last_time_ms=1000)
    assert replica.on_batch_ready((b"a",), 2000) == [Deliver(5, (b"a",), 2000)]
    assert replica.on_batch_ready((b"b", b"c"), 2500) == [Deliver(6, (b"b", b"c"), 2500)]


def test_block_time_never_goes_back_even_if_the_clock_does() -> None:
    replica = SoloReplica(last_height=0, last_time_ms=5000)
    [first] = replica.on_batch_ready((b"a",), 4000)
    [second] = replica.on_batch_ready((b"b",), 4000)
    assert isinstance(first, Deliver)
    assert isinstance(second, Deliver)
    assert (first.time_ms, second.time_ms) == (5001, 5002)


def test_messages_and_ticks_do_nothing() -> None:
    replica = SoloReplica(0, 0)
    assert replica.on_message("someone", b"\xff garbage", 1) == []
    assert replica.on_tick(10) == []
