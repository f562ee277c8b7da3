"""The BFT replica as a state machine: signatures, certificates, block sync and status."""

from __future__ import annotations

from collections.abc import Callable

from msgspec import structs

from jadechain.consensus import Broadcast, Deliver, Effect, ReplicaStatus, Send
from jadechain.consensus.bft import BftReplica, KeyAuth, SimAuth
from jadechain.consensus.bft import messages as m
from jadechain.consensus.bft.certs import PROVEN, WINDOW
from jadechain.crypto import Algorithm, KeyPair, address_of

NODES = ["n0", "n1", "n2", "n3"]
SECRET = b"unit"


def replica(node_id: str, height: int = 0) -> BftReplica:
    peers = [n for n in NODES if n != node_id]
    return BftReplica(node_id, peers, height, 0, auth=SimAuth(node_id, SECRET))


def messages(effects: list[Effect]) -> list[m.Message]:
    out = []
    for effect in effects:
        if isinstance(effect, Broadcast):
            decoded = m.decode(effect.message)
            assert decoded is not None
            out.append(decoded)
    return out


def run_height(replicas: dict[str, BftReplica], batch: m.Batch, now_ms: int) -> list[Deliver]:
    """Offer `batch` to the leader and pass every broadcast around until it settles."""
    queue = [("n0", e) for e in replicas["n0"].on_batch_ready(batch, now_ms)]
    delivered: list[Deliver] = []
    while queue:
        sender, effect = queue.pop(0)
        if isinstance(effect, Deliver):
            delivered.append(effect)
        if not isinstance(effect, Broadcast):
            continue
        for node, r in replicas.items():
            if node != sender:
                queue += [(node, e) for e in r.on_message(sender, effect.message, now_ms)]
    return delivered


def test_sim_auth_tags_are_per_node() -> None:
    a, b = SimAuth("n0", SECRET), SimAuth("n1", SECRET)
    sig = a.sign(b"data")
    assert b.verify("n0", b"data", sig)
    assert not b.verify("n1", b"data", sig)
    assert not b.verify("n0", b"other", sig)


def test_key_auth_verifies_ed25519_and_never_raises() -> None:
    pair = KeyPair.generate(Algorithm.ED25519)
    auth = KeyAuth(pair, {"n0": pair.public})
    sig = auth.sign(b"data")
    assert auth.verify("n0", b"data", sig)
    assert not auth.verify("n0", b"data", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not auth.verify("n0", b"data", b"junk")
    assert not auth.verify("nX", b"data", sig)


def test_four_replicas_deliver_with_commit_certificates() -> None:
    replicas = {n: replica(n) for n in NODES}
    delivered = run_height(replicas, (b"tx",), 100)
    assert {d.height for d in delivered} == {1}
    assert len(delivered) == 4
    decided = replicas["n2"].log[1]
    assert replicas["n1"].verifier.committed_ok(decided.cert)
    assert replicas["n1"].verifier.decided_ok(decided)
    assert replicas["n1"].status() == ReplicaStatus("bft", 0, "n0", 1, False)


def test_a_vote_with_a_bad_signature_is_dropped_and_counted() -> None:
    replicas = {n: replica(n) for n in NODES}
    sent = messages(replicas["n0"].on_batch_ready((b"tx",), 0))
    assert isinstance(sent[0], m.Forward)  # the leader forwards its batch too
    pre = sent[1]
    assert isinstance(pre, m.PrePrepare)
    forged = structs.replace(pre, sig=b"\x00" * 32)
    assert replicas["n1"].on_message("n0", m.encode(forged), 0) == []
    assert replicas["n1"].dropped == 1
    prepare = messages(replicas["n1"].on_message("n0", m.encode(pre), 0))[0]
    assert isinstance(prepare, m.Prepare)
    bad = structs.replace(prepare, sig=b"\x01" * 32)
    replicas["n2"].on_message("n1", m.encode(bad), 0)
    assert replicas["n2"].dropped == 1


def test_a_forged_decided_certificate_is_refused() -> None:
    r = replica("n1")
    batch = (b"evil",)
    sig = SimAuth("n3", SECRET).sign(m.vote_bytes(m.COMMIT, 0, 1, m.digest(0, batch)))
    votes = tuple(m.Vote(n, sig) for n in NODES)  # n3's tag under every name
    cert = m.Committed(0, 1, 0, m.digest(0, batch), votes)
    assert r.on_message("n3", m.encode(m.Decided(cert, batch)), 0) == []
    assert r.dropped == 1
    assert r.delivered == 0


def test_decided_with_a_valid_certificate_is_delivered_from_one_sender() -> None:
    replicas = {n: replica(n) for n in NODES}
    run_height(replicas, (b"tx",), 0)
    late = replica("n3")
    effects = late.on_message("n1", m.encode(replicas["n1"].log[1]), 10)
    assert [e for e in effects if isinstance(e, Deliver)] == [Deliver(1, (b"tx",), 0)]


def test_after_block_sync_the_replica_votes_from_the_next_height_and_never_redelivers() -> None:
    replicas = {n: replica(n) for n in NODES}
    for r in replicas.values():
        assert r.on_synced(10, 500, 600) == []
        assert r.status().delivered == 10
    delivered = run_height(replicas, (b"tx",), 700)
    assert {d.height for d in delivered} == {11}
    assert all(d.time_ms >= 500 for d in delivered)
    late = replica("n3")
    late.on_synced(11, 700, 800)
    stale = replicas["n1"].log[11]
    assert late.on_message("n1", m.encode(stale), 800) == []


def test_a_non_leader_forwards_batches_and_keeps_them_pending() -> None:
    r1, r2 = replica("n1"), replica("n2")
    forward = messages(r1.on_batch_ready((b"tx",), 0))
    assert forward == [m.Forward((b"tx",))]
    r2.on_message("n1", m.encode(forward[0]), 0)
    assert len(r2.pending) == 1
    r2.on_message("n1", m.encode(forward[0]), 0)
    assert len(r2.pending) == 1


def test_garbage_never_raises() -> None:
    r = replica("n0")
    effects: list[Effect] = []
    for data in (b"", b"\xff" * 10, b"\x85" + b"\x00" * 8, b"\x00" * (2 << 20), b"\x91" * 5000):
        effects += r.on_message("n1", data, 0)
    effects += r.on_message("nX", m.encode(m.Status(0, 0)), 0)
    assert effects == []
    assert r.dropped == 6


def test_decided_whose_batch_does_not_match_its_digest_is_refused() -> None:
    replicas = {n: replica(n) for n in NODES}
    run_height(replicas, (b"tx",), 0)
    good = replicas["n1"].log[1]
    late = replica("n3")
    swapped = m.Decided(good.cert, (b"other",))
    assert late.on_message("n1", m.encode(swapped), 10) == []
    assert late.dropped == 1
    assert late.delivered == 0


def test_a_batch_over_the_bound_is_refused() -> None:
    r = replica("n1")
    huge = (b"x" * m.BATCH_BYTES_MAX,)
    assert r.on_batch_ready(huge, 0) == []
    assert not r.pending


# -- message sizes under load: a view change with 8 in-flight 3 MB batches at n = 7 -------------


class Net:
    """Passes effects between keyed replicas until quiet; records every emitted message."""

    def __init__(self, replicas: dict[str, BftReplica]) -> None:
        self.replicas = replicas
        self.cut: Callable[[str, str, m.Message], bool] = lambda sender, to, message: False
        self.sizes: dict[str, int] = {}  # message type -> largest seen
        self.delivered: dict[str, list[int]] = {n: [] for n in replicas}

    def run(self, sender: str, effects: list[Effect], now_ms: int) -> None:
        queue = [(sender, e) for e in effects]
        while queue:
            sender, effect = queue.pop(0)
            if isinstance(effect, Deliver):
                self.delivered[sender].append(effect.height)
            if not isinstance(effect, Send | Broadcast):
                continue
            message = m.decode(effect.message)
            assert message is not None
            kind = type(message).__name__
            self.sizes[kind] = max(self.sizes.get(kind, 0), len(effect.message))
            targets = [effect.to] if isinstance(effect, Send) else list(self.replicas)
            for to in targets:
                if to != sender and not self.cut(sender, to, message):
                    out = self.replicas[to].on_message(sender, effect.message, now_ms)
                    queue += [(to, e) for e in out]

    def tick(self, now_ms: int, nodes: list[str]) -> None:
        for node in nodes:
            self.run(node, self.replicas[node].on_tick(now_ms), now_ms)


def big_batch(number: int) -> m.Batch:
    """2,000 transactions of 1,500 bytes: 3 MB."""
    return tuple(b"%04d-%04d" % (number, i) + b"\xab" * 1_491 for i in range(2_000))


def test_a_view_change_under_load_keeps_every_message_under_the_bound() -> None:
    pairs = [KeyPair.generate(Algorithm.ED25519) for _ in range(7)]
    keys = {address_of(p.public): p for p in pairs}
    nodes = sorted(keys)
    public = {node: pair.public for node, pair in keys.items()}
    replicas = {
        node: BftReplica(node, [n for n in nodes if n != node], auth=KeyAuth(keys[node], public))
        for node in nodes
    }
    old, new = nodes[0], nodes[1]  # leaders of views 0 and 1
    net = Net(replicas)
    # View 0: the new leader hears nothing from the old one, and no COMMIT gets through, so 8
    # batches are prepared by the other five and delivered by nobody.
    net.cut = lambda s, to, msg: (s == old and to == new) or isinstance(msg, m.Commit)
    for number in range(8):
        net.run(old, replicas[old].on_batch_ready(big_batch(number), 0), 0)
    assert all(len(replicas[n].prepared) == 8 for n in nodes[2:])
    assert not replicas[new].store.get(replicas[nodes[2]].prepared[1].digest)
    # The old leader dies; the rest time out, change view and the new leader fetches batches.
    net.cut = lambda s, to, msg: old in (s, to)
    for now_ms in (1_100, 1_300, 1_500):
        net.tick(now_ms, nodes[1:])
    assert all(net.delivered[n] == list(range(1, 9)) for n in nodes[1:])
    assert all(replicas[n].status().view == 1 for n in nodes[1:])
    for kind in ("ViewChange", "NewView", "FetchBatch", "BatchReply", "PrePrepare"):
        assert kind in net.sizes
    assert max(net.sizes.values()) <= m.MESSAGE_BYTES_MAX
    assert net.sizes["NewView"] < 64 << 10
    assert all(r.oversize == 0 for r in replicas.values())


def worst_new_view(n: int) -> bytes:
    """A NEW-VIEW of n - f VIEW-CHANGEs, each with PROVEN commit certificates and a full window
    of prepared ones, with Ed25519-sized signatures and address-length node ids."""
    f = (n - 1) // 3
    ids = [f"{i:02d}" + "A" * 32 for i in range(n)]
    sig, digest = b"\xee" * 66, b"\xdd" * 32
    votes = tuple(m.Vote(node, sig) for node in ids[: n - f])
    committed = tuple(m.Committed(9, s, 1 << 40, digest, votes) for s in range(PROVEN))
    prepared = tuple(m.Prepared(9, s, 1 << 40, digest, sig, votes[1:]) for s in range(WINDOW))
    vcs = tuple(m.ViewChange(node, 10, 1 << 40, committed, prepared, sig) for node in ids[: n - f])
    return m.encode(m.NewView(10, vcs))


def test_the_largest_new_view_fits_the_bound_up_to_22_replicas() -> None:
    assert len(worst_new_view(7)) < 1 << 20
    assert len(worst_new_view(22)) <= m.MESSAGE_BYTES_MAX


def test_a_follower_accepts_a_planned_height_only_with_the_planned_digest() -> None:
    r = replica("n1")
    r.required = {1: m.digest(5, (b"planned",))}
    leader = SimAuth("n0", SECRET)

    def pre_prepare(batch: m.Batch) -> bytes:
        sig = leader.sign(m.vote_bytes(m.PRE_PREPARE, 0, 1, m.digest(5, batch)))
        return m.encode(m.PrePrepare(0, 1, 5, batch, sig))

    assert r.on_message("n0", pre_prepare((b"other",)), 10) == []
    sent = messages(r.on_message("n0", pre_prepare((b"planned",)), 10))
    assert [type(s) for s in sent] == [m.Prepare]
