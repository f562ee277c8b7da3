"""The multi-party ledger-init ceremony, as library functions and JSON files.

1. One organisation drafts the init document (`draft`) from every participant's name, public key
   and p2p host:port, the crypto suite, the consensus provider and its settings, and the admin
   user's public key (one ADMIN role holding every permission), and sends it to the others.
2. Each organisation checks the document, signs it with its own participant key (`sign`) and
   sends back its signature file (a `SignatureEntry`).
3. Anyone combines the document and all signature files (`combine`) into the signed document;
   a missing, foreign or invalid signature is refused with the participant named.
4. Each organisation founds its own ledger store from the signed document (`found_store`), and
   all compare the ledger id (`ledger_id` computes it without keeping a store) out of band.

Files are the JSON views of the records (`codec.to_json`); `document_fingerprint` is the hash
every participant signs, printed so people can compare it before signing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from jadechain import codec
from jadechain.crypto import CryptoError, Digest, KeyPair, PublicKey, address_of, suite_by_name
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ledger.store import Ledger, LedgerError
from jadechain.storage import KVStore, MemoryStore, StorageError

T = TypeVar("T")

CONSENSUS_PROVIDERS = ("solo", "bft")
CEREMONY_FILE_BYTES_MAX = 4 * 1024 * 1024


class CeremonyError(ValueError):
    """A ceremony step that cannot be done; the message says why (naming the participant)."""


# --- the steps -----------------------------------------------------------------------------------


def draft(
    name: str,
    suite: str,
    participants: Sequence[genesis.ParticipantSpec],
    admin: PublicKey,
    consensus: str = "solo",
    settings: Mapping[str, str] | None = None,
    created_ms: int | None = None,
) -> genesis.InitDocument:
    """The init document to be signed by every participant (checked as far as it can be
    before it carries signatures)."""
    _check_draft(name, suite, participants, admin, consensus)
    return genesis.InitDocument(
        name=name,
        created_ms=time.time_ns() // 1_000_000 if created_ms is None else created_ms,
        suite=suite_by_name(suite).name,
        participants=list(participants),
        roles=[genesis.all_permissions()],
        users=[genesis.GenesisUser(admin, [genesis.ADMIN_ROLE])],
        consensus_provider=consensus,
        consensus_settings=dict(settings or {}),
    )


def _check_draft(
    name: str,
    suite: str,
    participants: Sequence[genesis.ParticipantSpec],
    admin: PublicKey,
    consensus: str,
) -> None:
    if not name.strip():
        raise CeremonyError("the ledger needs a name")
    if consensus not in CONSENSUS_PROVIDERS:
        raise CeremonyError(f"unknown consensus {consensus!r}; known: solo, bft")
    try:
        accepted = suite_by_name(suite).signature
    except CryptoError as error:
        raise CeremonyError(str(error)) from None
    if not participants:
        raise CeremonyError("the document names no participant")
    names = [spec.name for spec in participants]
    for spec in participants:
        if not spec.name or names.count(spec.name) > 1:
            raise CeremonyError(f"participant names must be unique and non-empty: {spec.name!r}")
        if not spec.host or not 0 < spec.port < 65536:
            raise CeremonyError(f"participant {spec.name!r} needs a p2p host and port")
        if spec.public_key.algorithm is not accepted:
            raise CeremonyError(
                f"participant {spec.name!r} has a {spec.public_key.algorithm.info.name} key; "
                f"the {suite} suite signs with {accepted.info.name}"
            )
    if admin.algorithm is not accepted:
        raise CeremonyError(
            f"the admin key is {admin.algorithm.info.name}, not {accepted.info.name}"
        )


def participant_named(document: genesis.InitDocument, key: PublicKey) -> str:
    """The name of the participant holding `key`; CeremonyError if nobody does."""
    for spec in document.participants:
        if spec.public_key == key:
            return spec.name
    raise CeremonyError(f"key {address_of(key)} is not a participant of ledger {document.name!r}")


def sign(document: genesis.InitDocument, keypair: KeyPair) -> m.SignatureEntry:
    """One organisation's signature on the document (only a participant's key signs)."""
    participant_named(document, keypair.public)
    return genesis.sign_document(document, keypair)


def combine(
    document: genesis.InitDocument, signatures: Sequence[m.SignatureEntry]
) -> genesis.SignedInitDocument:
    """The signed document; refused when any signature is missing, foreign or invalid."""
    signed = genesis.combine(document, list(signatures))
    try:
        genesis.check(signed)
    except genesis.InitError as error:
        raise CeremonyError(str(error)) from None
    return signed


def found(store: KVStore, signed: genesis.SignedInitDocument) -> Ledger:
    """Found the ledger in `store` (which must hold none yet)."""
    try:
        return Ledger.create(store, signed)
    except (genesis.InitError, LedgerError) as error:
        raise CeremonyError(str(error)) from None


def found_store(signed: genesis.SignedInitDocument, directory: Path) -> Digest:
    """Found the ledger in a new RocksDB store at `directory`; its ledger id."""
    from jadechain.storage.rocksdb import RocksDBStore

    if directory.exists() and any(directory.iterdir()):
        raise CeremonyError(
            f"{directory} is not empty: a ledger store is founded in a new directory"
        )
    try:
        store = RocksDBStore(directory)
    except StorageError as error:
        raise CeremonyError(str(error)) from None
    try:
        return found(store, signed).id
    finally:
        store.close()


def ledger_id(signed: genesis.SignedInitDocument) -> Digest:
    """The id the signed document founds, computed in memory (nothing kept)."""
    return found(MemoryStore(), signed).id


def document_fingerprint(document: genesis.InitDocument) -> str:
    """The hash every participant signs (Base58): compare it before signing."""
    return genesis.document_hash(document).to_base58()


# --- files ---------------------------------------------------------------------------------------


def write_file(path: Path, value: object, *, overwrite: bool = False) -> None:
    """Write a ceremony record as JSON; refuse to replace an existing file unless asked."""
    if path.exists() and not overwrite:
        raise CeremonyError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(codec.to_json(value) + b"\n")


def _read(path: Path, type_: type[T], what: str) -> T:
    try:
        size = path.stat().st_size
        if size > CEREMONY_FILE_BYTES_MAX:
            raise CeremonyError(f"{path} is {size} bytes: too large for {what}")
        return codec.from_json(path.read_bytes(), type_)
    except FileNotFoundError:
        raise CeremonyError(f"no such file: {path}") from None
    except OSError as error:
        raise CeremonyError(f"cannot read {path}: {error.strerror}") from None
    except codec.CodecError as error:
        raise CeremonyError(f"{path} is not {what}: {error}") from None


def read_document(path: Path) -> genesis.InitDocument:
    return _read(path, genesis.InitDocument, "an init document")


def read_signature(path: Path) -> m.SignatureEntry:
    return _read(path, m.SignatureEntry, "a signature file")


def read_signed(path: Path) -> genesis.SignedInitDocument:
    return _read(path, genesis.SignedInitDocument, "a signed init document")
