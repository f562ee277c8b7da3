"""The certificate round: quorum certificates, divergence, bounded and checked votes."""

from __future__ import annotations

from jadechain.crypto import Algorithm, Digest, KeyPair, address_of, hash_data
from jadechain.ledger import model as m
from jadechain.node.certify import VOTES_AHEAD, CertificateRound, Certified, Diverged


def _keys(n: int) -> list[KeyPair]:
    return [KeyPair.generate(Algorithm.ED25519) for _ in range(n)]


def _hash(text: str) -> Digest:
    return hash_data(Algorithm.SHA256, text.encode())


def _round(keys: list[KeyPair], height: int = 0) -> CertificateRound:
    table = {address_of(k.public): k.public for k in keys}
    return CertificateRound(address_of(keys[0].public), table, height)


def _own(round_: CertificateRound, key: KeyPair, height: int, block: Digest) -> object:
    entry = m.SignatureEntry(key.public, key.sign(block.to_bytes()))
    return round_.own(height, block, entry)


def _vote(round_: CertificateRound, key: KeyPair, height: int, block: Digest) -> object:
    signature = key.sign(block.to_bytes()).to_bytes()
    return round_.vote(address_of(key.public), height, block.to_bytes(), signature)


def test_a_quorum_of_matching_votes_certifies_the_block_once() -> None:
    keys = _keys(4)
    certs = _round(keys)
    block = _hash("b1")
    assert _vote(certs, keys[1], 1, block) is None  # before this node executed it
    assert _own(certs, keys[0], 1, block) is None  # 2 of the 3 needed
    verdict = _vote(certs, keys[2], 1, block)
    assert isinstance(verdict, Certified)
    certificate = verdict.certificate
    assert certificate.height == 1
    assert certificate.block_hash == block
    assert {e.public_key for e in certificate.signatures} == {k.public for k in keys[:3]}
    assert _vote(certs, keys[3], 1, block) is None  # already certified
    assert certs.certified_height == 1


def test_f_plus_one_votes_for_another_hash_mean_divergence() -> None:
    keys = _keys(4)
    certs = _round(keys)
    _own(certs, keys[0], 1, _hash("mine"))
    assert _vote(certs, keys[1], 1, _hash("theirs")) is None  # one may be Byzantine
    verdict = _vote(certs, keys[2], 1, _hash("theirs"))
    assert isinstance(verdict, Diverged)
    assert "block 1" in verdict.reason


def test_bad_signatures_strangers_duplicates_and_far_heights_are_not_counted() -> None:
    keys = _keys(4)
    stranger = KeyPair.generate(Algorithm.ED25519)
    certs = _round(keys)
    block = _hash("b")
    _own(certs, keys[0], 1, block)
    forged = keys[2].sign(block.to_bytes()).to_bytes()
    assert certs.vote(address_of(keys[1].public), 1, block.to_bytes(), forged) is None
    assert certs.vote(address_of(keys[1].public), 1, block.to_bytes(), b"\x00garbage") is None
    assert _vote(certs, stranger, 1, block) is None
    assert _vote(certs, keys[1], VOTES_AHEAD + 5, block) is None
    assert certs.rejected == 4
    assert isinstance(_vote(certs, keys[1], 1, block), type(None))  # a first real vote: 2 of 3
    assert _vote(certs, keys[1], 1, block) is None  # a duplicate does not make 3
    assert isinstance(_vote(certs, keys[3], 1, block), Certified)


def test_one_participant_certifies_alone() -> None:
    [key] = _keys(1)
    certs = _round([key])
    assert isinstance(_own(certs, key, 1, _hash("x")), Certified)
