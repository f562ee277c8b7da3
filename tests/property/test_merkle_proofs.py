"""Property tests: state-tree proofs verify, and nothing else does.

For random maps and random queried keys (present and absent): every proof verifies for exactly
the right (root, key, value); a changed value, key, root or any flipped byte of the encoded proof
fails; absence proofs never pass for a present key.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jadechain import codec
from jadechain.codec import CodecError
from jadechain.crypto import Algorithm
from jadechain.ledger.merkle import (
    EMPTY_ROOT,
    MerkleProof,
    MerkleTree,
    ProofLeaf,
    ProofLevel,
    verify_proof,
)
from jadechain.ledger.merkle.nodes import digest_function
from jadechain.storage import MemoryStore

keys = st.binary(min_size=0, max_size=6)
values = st.binary(min_size=0, max_size=6)
maps = st.dictionaries(keys, values, max_size=40)
algorithms = st.sampled_from([Algorithm.SHA256, Algorithm.SM3])
SETTINGS = settings(max_examples=60, deadline=None)


def _build(algorithm: Algorithm, items: dict[bytes, bytes]) -> tuple[MerkleTree, bytes]:
    tree = MerkleTree(MemoryStore(), algorithm)
    root, _ = tree.update(EMPTY_ROOT, items)
    return tree, root


def _flip(data: bytes, index: int, mask: int) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


@SETTINGS
@given(algorithms, maps, st.lists(keys, max_size=8))
def test_proofs_verify_for_exactly_the_right_value(
    algorithm: Algorithm, items: dict[bytes, bytes], extra: list[bytes]
) -> None:
    tree, root = _build(algorithm, items)
    for key in [*list(items)[:8], *extra]:
        value = items.get(key)
        proof = tree.prove(root, key)
        assert verify_proof(root, key, value, proof, algorithm)
        # The proof travels: binary and JSON round trips keep it valid.
        binary = codec.decode_canonical(codec.encode(proof), MerkleProof)
        json = codec.from_json(codec.to_json(proof), MerkleProof)
        assert binary == json == proof
        assert verify_proof(root, key, value, json, algorithm)
        if value is None:
            assert not verify_proof(root, key, b"", proof, algorithm)
            for present in list(items.values())[:3]:
                assert not verify_proof(root, key, present, proof, algorithm)
        else:
            assert not verify_proof(root, key, None, proof, algorithm)  # present: not absent
            assert not verify_proof(root, key, value + b"\x00", proof, algorithm)
            for index in range(len(value)):
                assert not verify_proof(root, key, _flip(value, index, 0x01), proof, algorithm)
            for index in range(len(key)):  # another key, same proof
                changed = _flip(key, index, 0x80)
                assert not verify_proof(root, changed, value, proof, algorithm)
            assert not verify_proof(root, key + b"\x00", value, proof, algorithm)


@SETTINGS
@given(algorithms, maps.filter(bool), st.data())
def test_absence_proofs_fail_for_present_keys(
    algorithm: Algorithm, items: dict[bytes, bytes], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(items)))
    tree, root = _build(algorithm, items)
    without = {k: v for k, v in items.items() if k != key}
    other_tree, other_root = _build(algorithm, without)
    absent = other_tree.prove(other_root, key)
    assert verify_proof(other_root, key, None, absent, algorithm)
    # Against the root where the key is present, no absence proof passes, whatever its origin.
    for proof in (absent, tree.prove(root, key), *(tree.prove(root, k) for k in list(items)[:5])):
        assert not verify_proof(root, key, None, proof, algorithm)
    # ...and the present key's real proof does not pass with another value either.
    other_value = data.draw(values.filter(lambda v: v != items[key]))
    assert not verify_proof(root, key, other_value, tree.prove(root, key), algorithm)


def _path_hashes(algorithm: Algorithm, key: bytes, proof: MerkleProof) -> list[bytes]:
    """The hash of the node below each level of an inclusion proof (recomputed as a verifier)."""
    digest = digest_function(algorithm)
    assert proof.leaf is not None
    if not proof.levels:
        return []
    path = digest(key).hex()
    below = [digest(b"\x00" + proof.leaf.key_hash + proof.leaf.value_hash)]
    for depth in range(len(proof.levels) - 1, 0, -1):
        level = proof.levels[depth]
        bit = 1 << int(path[depth], 16)
        index = (level.bitmap & (bit - 1)).bit_count()
        children = [*level.siblings[:index], below[0], *level.siblings[index:]]
        below.insert(0, digest(b"\x01" + level.bitmap.to_bytes(2, "big") + b"".join(children)))
    return below


@SETTINGS
@given(algorithms, maps.filter(bool), st.data())
def test_forged_absence_proofs_fail(
    algorithm: Algorithm, items: dict[bytes, bytes], data: st.DataObject
) -> None:
    """Absence forged from an inclusion proof: cut it at some level and list the key's own child
    among the "siblings", as if the path ended there in an empty slot."""
    key = data.draw(st.sampled_from(sorted(items)))
    tree, root = _build(algorithm, items)
    proof = tree.prove(root, key)
    path = digest_function(algorithm)(key).hex()
    for depth, child in enumerate(_path_hashes(algorithm, key, proof)):
        level = proof.levels[depth]
        bit = 1 << int(path[depth], 16)
        index = (level.bitmap & (bit - 1)).bit_count()
        everything = [*level.siblings[:index], child, *level.siblings[index:]]
        for bitmap in (level.bitmap, level.bitmap & ~bit):
            if not bitmap:
                continue
            forged = MerkleProof(
                levels=[*proof.levels[:depth], ProofLevel(bitmap=bitmap, siblings=everything)]
            )
            assert not verify_proof(root, key, None, forged, algorithm)
        # The leaf moved up to this level, as if it were alone there.
        moved = MerkleProof(levels=proof.levels[:depth], leaf=proof.leaf)
        assert not verify_proof(root, key, items[key], moved, algorithm)
    # The real leaf offered as "another key's leaf" proves nothing about absence.
    assert not verify_proof(root, key, None, proof, algorithm)


@SETTINGS
@given(algorithms, maps, maps, st.lists(keys, min_size=1, max_size=6))
def test_proofs_fail_against_the_wrong_root(
    algorithm: Algorithm, items: dict[bytes, bytes], other: dict[bytes, bytes], probes: list[bytes]
) -> None:
    tree, root = _build(algorithm, items)
    _, other_root = _build(algorithm, other)
    for key in [*list(items)[:4], *probes]:
        value = items.get(key)
        proof = tree.prove(root, key)
        # A proof determines the one root it can verify against: every other root fails.
        for wrong in (other_root, EMPTY_ROOT, b"\x07" * 32, root[:-1] + bytes([root[-1] ^ 1])):
            if wrong != root:
                assert not verify_proof(wrong, key, value, proof, algorithm)


@settings(max_examples=25, deadline=None)
@given(algorithms, maps.filter(lambda m: len(m) >= 2), st.data())
def test_any_flipped_byte_of_an_encoded_proof_fails(
    algorithm: Algorithm, items: dict[bytes, bytes], data: st.DataObject
) -> None:
    tree, root = _build(algorithm, items)
    present = data.draw(st.booleans())
    key = data.draw(st.sampled_from(sorted(items)) if present else keys)
    value = items.get(key)
    proof = tree.prove(root, key)
    encoded = codec.encode(proof)
    assert verify_proof(root, key, value, proof, algorithm)
    mask = data.draw(st.integers(min_value=1, max_value=255))
    for index in range(len(encoded)):
        mutated = _flip(encoded, index, mask)
        try:
            decoded = codec.decode(mutated, MerkleProof)
        except CodecError:  # the flipped byte broke the encoding itself
            continue
        if decoded == proof:  # another encoding of the same proof: not canonical
            with pytest.raises(CodecError):
                codec.decode_canonical(mutated, MerkleProof)
            continue
        assert not verify_proof(root, key, value, decoded, algorithm)


def test_malformed_proofs_are_false_not_errors() -> None:
    algorithm = Algorithm.SHA256
    tree, root = _build(algorithm, {bytes([i]): bytes([i]) for i in range(50)})
    good = tree.prove(root, b"\x01")
    assert verify_proof(root, b"\x01", b"\x01", good, algorithm)
    level = good.levels[0]
    bad: list[object] = [
        None,
        "proof",
        MerkleProof(levels=[level] * 65, leaf=good.leaf),  # deeper than any path
        MerkleProof(levels=good.levels, leaf=ProofLeaf(key_hash=b"x", value_hash=b"y")),
        MerkleProof(levels=[ProofLevel(bitmap=-1, siblings=[])], leaf=good.leaf),
        MerkleProof(levels=[ProofLevel(bitmap=1 << 16, siblings=[])], leaf=good.leaf),
        MerkleProof(levels=[ProofLevel(bitmap=True, siblings=[])], leaf=good.leaf),
        MerkleProof(levels=[ProofLevel(bitmap=level.bitmap, siblings=level.siblings * 2)]),
        MerkleProof(levels=[ProofLevel(bitmap=level.bitmap, siblings="x")], leaf=good.leaf),  # type: ignore[arg-type]
        MerkleProof(levels="levels", leaf=good.leaf),  # type: ignore[arg-type]
        MerkleProof(levels=[None], leaf=good.leaf),  # type: ignore[list-item]
        MerkleProof(levels=good.levels, leaf="leaf"),  # type: ignore[arg-type]
        MerkleProof(levels=[], leaf=None),
    ]
    for proof in bad:
        assert not verify_proof(root, b"\x01", b"\x01", proof, algorithm)  # type: ignore[arg-type]
        assert not verify_proof(root, b"\x01", None, proof, algorithm)  # type: ignore[arg-type]
    assert not verify_proof(b"short", b"\x01", b"\x01", good, algorithm)
    assert not verify_proof(root, b"\x01", b"\x01", good, Algorithm.ED25519)
    assert not verify_proof(root, "key", b"\x01", good, algorithm)  # type: ignore[arg-type]
