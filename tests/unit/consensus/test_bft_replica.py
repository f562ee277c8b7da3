"""The BFT replica as a state machine: signatures, certificates, block sync and status."""

from __future__ import annotations

from msgspec import structs

from jadechain.consensus import Broadcast, Deliver, Effect, ReplicaStatus
from jadechain.consensus.bft import BftReplica, KeyAuth, SimAuth
from jadechain.consensus.bft import messages as m
from jadechain.crypto import Algorithm, KeyPair

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
    cert = replicas["n2"].log[1]
    assert replicas["n1"].verifier.committed_ok(cert)
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
    assert r.on_message("n3", m.encode(m.Decided(m.Committed(0, 1, 0, batch, votes))), 0) == []
    assert r.dropped == 1
    assert r.delivered == 0


def test_decided_with_a_valid_certificate_is_delivered_from_one_sender() -> None:
    replicas = {n: replica(n) for n in NODES}
    run_height(replicas, (b"tx",), 0)
    late = replica("n3")
    effects = late.on_message("n1", m.encode(m.Decided(replicas["n1"].log[1])), 10)
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
    stale = m.Decided(replicas["n1"].log[11])
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
