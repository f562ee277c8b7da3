"""The multi-party ledger-init ceremony: draft, sign per organisation, combine, found."""

from __future__ import annotations

from pathlib import Path

import pytest
from msgspec.structs import replace

from jadechain.crypto import Algorithm, KeyPair
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ops import ceremony
from jadechain.storage import MemoryStore

SUITES = [("classic", Algorithm.ED25519), ("sm", Algorithm.SM2)]


def _orgs(algorithm: Algorithm, count: int = 4) -> list[tuple[str, KeyPair]]:
    return [(f"org{k}", KeyPair.generate(algorithm)) for k in range(1, count + 1)]


def _draft(suite: str, orgs: list[tuple[str, KeyPair]], admin: KeyPair) -> genesis.InitDocument:
    specs = [
        genesis.ParticipantSpec(name, key.public, "127.0.0.1", 7000 + index)
        for index, (name, key) in enumerate(orgs)
    ]
    settings = {"view_change_timeout_ms": "1000"}
    return ceremony.draft("trade", suite, specs, admin.public, "bft", settings)


@pytest.mark.parametrize(("suite", "algorithm"), SUITES, ids=[s for s, _ in SUITES])
def test_four_orgs_found_the_same_ledger_through_files(
    tmp_path: Path, suite: str, algorithm: Algorithm
) -> None:
    orgs, admin = _orgs(algorithm), KeyPair.generate(algorithm)
    ceremony.write_file(tmp_path / "init.json", _draft(suite, orgs, admin))
    for name, key in orgs:  # each organisation signs its own copy
        document = ceremony.read_document(tmp_path / "init.json")
        ceremony.write_file(tmp_path / f"{name}.sig.json", ceremony.sign(document, key))
    document = ceremony.read_document(tmp_path / "init.json")
    signatures = [ceremony.read_signature(tmp_path / f"{n}.sig.json") for n, _ in reversed(orgs)]
    ceremony.write_file(tmp_path / "signed.json", ceremony.combine(document, signatures))
    ids = set()
    for _ in orgs:  # each organisation founds its own store
        signed = ceremony.read_signed(tmp_path / "signed.json")
        ledger = ceremony.found(MemoryStore(), signed)
        ids.add(ledger.id)
        assert ledger.settings().consensus_provider == "bft"
        assert ledger.settings().consensus_settings == {"view_change_timeout_ms": "1000"}
        assert ledger.id.algorithm is (Algorithm.SM3 if suite == "sm" else Algorithm.SHA256)
    assert ids == {ceremony.ledger_id(ceremony.read_signed(tmp_path / "signed.json"))}


def test_a_store_is_founded_once_in_a_new_directory(tmp_path: Path) -> None:
    orgs, admin = _orgs(Algorithm.ED25519, 1), KeyPair.generate(Algorithm.ED25519)
    document = _draft("classic", orgs, admin)
    signed = ceremony.combine(document, [ceremony.sign(document, orgs[0][1])])
    assert ceremony.found_store(signed, tmp_path / "ledger") == ceremony.ledger_id(signed)
    with pytest.raises(ceremony.CeremonyError, match="not empty"):
        ceremony.found_store(signed, tmp_path / "ledger")


def _signed_all(
    document: genesis.InitDocument, orgs: list[tuple[str, KeyPair]]
) -> list[m.SignatureEntry]:
    return [ceremony.sign(document, key) for _, key in orgs]


def test_a_missing_signature_is_refused_naming_the_participant() -> None:
    orgs, admin = _orgs(Algorithm.ED25519), KeyPair.generate(Algorithm.ED25519)
    document = _draft("classic", orgs, admin)
    signatures = _signed_all(document, orgs)
    del signatures[2]
    with pytest.raises(ceremony.CeremonyError, match="participant 'org3' has not signed"):
        ceremony.combine(document, signatures)


def test_a_foreign_signature_is_refused_naming_the_signer() -> None:
    orgs, admin = _orgs(Algorithm.ED25519), KeyPair.generate(Algorithm.ED25519)
    document = _draft("classic", orgs, admin)
    stranger = KeyPair.generate(Algorithm.ED25519)
    with pytest.raises(
        ceremony.CeremonyError, match=f"key {stranger.address} is not a participant"
    ):
        ceremony.sign(document, stranger)
    foreign = genesis.sign_document(document, stranger)
    with pytest.raises(ceremony.CeremonyError, match=f"{stranger.address}, who is not a founding"):
        ceremony.combine(document, [*_signed_all(document, orgs), foreign])


def test_a_bad_signature_is_refused_naming_the_participant() -> None:
    orgs, admin = _orgs(Algorithm.SM2), KeyPair.generate(Algorithm.SM2)
    document = _draft("sm", orgs, admin)
    signatures = _signed_all(document, orgs)
    other = _draft("sm", orgs, admin)  # another document (its own time): org2 signed that one
    signatures[1] = ceremony.sign(replace(other, name="other"), orgs[1][1])
    with pytest.raises(ceremony.CeremonyError, match=r"participant 'org2'.s signature .* invalid"):
        ceremony.combine(document, signatures)


def test_a_tampered_document_is_refused() -> None:
    orgs, admin = _orgs(Algorithm.ED25519), KeyPair.generate(Algorithm.ED25519)
    document = _draft("classic", orgs, admin)
    signatures = _signed_all(document, orgs)
    intruder = KeyPair.generate(Algorithm.ED25519)
    tampered = replace(document, users=[genesis.GenesisUser(intruder.public, ["ADMIN"])])
    with pytest.raises(ceremony.CeremonyError, match=r"participant 'org1'.s signature .* invalid"):
        ceremony.combine(tampered, signatures)
    forged = genesis.SignedInitDocument(tampered, genesis.combine(document, signatures).signatures)
    with pytest.raises(ceremony.CeremonyError, match="invalid"):
        ceremony.ledger_id(forged)


def test_a_draft_is_checked_before_anyone_signs() -> None:
    orgs, admin = _orgs(Algorithm.ED25519, 2), KeyPair.generate(Algorithm.ED25519)
    spec = genesis.ParticipantSpec("org1", orgs[0][1].public, "127.0.0.1", 7001)
    with pytest.raises(ceremony.CeremonyError, match="unique"):
        ceremony.draft("x", "classic", [spec, spec], admin.public)
    with pytest.raises(ceremony.CeremonyError, match="the sm suite signs with sm2"):
        ceremony.draft("x", "sm", [spec], KeyPair.generate(Algorithm.SM2).public)
    with pytest.raises(ceremony.CeremonyError, match="unknown consensus"):
        ceremony.draft("x", "classic", [spec], admin.public, "raft")
    with pytest.raises(ceremony.CeremonyError, match="p2p host and port"):
        ceremony.draft("x", "classic", [replace(spec, port=0)], admin.public)


def test_files_are_refused_with_their_path(tmp_path: Path) -> None:
    with pytest.raises(ceremony.CeremonyError, match="no such file"):
        ceremony.read_document(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ceremony.CeremonyError, match=r"bad\.json is not a signature file"):
        ceremony.read_signature(tmp_path / "bad.json")
