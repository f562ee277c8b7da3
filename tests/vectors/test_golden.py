"""Golden encodings: any change to an on-ledger byte format fails here.

The expected values live in golden.json beside this file. A deliberate format change regenerates
them with `JADECHAIN_UPDATE_GOLDEN=1 pytest tests/vectors/test_golden.py` and says why in an ADR.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jadechain import codec
from jadechain.codec import Record
from jadechain.crypto import Algorithm, Digest, KeyPair, PrivateKey, PublicKey, Signature
from jadechain.crypto.keyfile import seal

GOLDEN = Path(__file__).with_name("golden.json")

ED25519_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032
SM2_SECRET = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"  # GB/T 32918.5


class GoldenEntry(Record, frozen=True, tag="golden-entry"):
    key: str
    value: bytes
    version: int


class GoldenRecord(Record, frozen=True):
    height: int
    digest: Digest
    signer: PublicKey
    signature: Signature
    entries: list[GoldenEntry]
    labels: dict[str, int]
    flag: bool
    note: str | None


def _keypair(algorithm: Algorithm, secret: str) -> KeyPair:
    return KeyPair.from_private(PrivateKey(algorithm, bytes.fromhex(secret)))


def _current() -> dict[str, Any]:
    ed = _keypair(Algorithm.ED25519, ED25519_SECRET)
    sm2 = _keypair(Algorithm.SM2, SM2_SECRET)
    record = GoldenRecord(
        height=2**40 + 7,
        digest=Digest(Algorithm.SM3, bytes(range(32))),
        signer=ed.public,
        signature=ed.sign(b"golden"),  # Ed25519 signing is deterministic
        entries=[GoldenEntry("k", b"\x00\xff", -1), GoldenEntry("k", b"v2", 0)],
        labels={"b": -1, "a": 300},
        flag=True,
        note=None,
    )
    keyfile = seal(ed, "golden", password=None)
    return {
        "algorithm_codes": {a.info.name: f"0x{int(a):04x}" for a in Algorithm},
        "ed25519_public_key": ed.public.to_base58(),
        "ed25519_private_key_bytes": ed.private.to_bytes().hex(),
        "ed25519_address": ed.address,
        "sm2_public_key_bytes": sm2.public.to_bytes().hex(),
        "sm2_address": sm2.address,
        "digest_sha256_abc": Digest(Algorithm.SHA256, bytes(32)).to_base58(),
        "record_msgpack": codec.encode(record).hex(),
        "record_json": codec.to_json(record).decode(),
        "keyfile_unencrypted_json": codec.to_json(keyfile).decode(),
    }


def test_golden_encodings() -> None:
    current = _current()
    if os.environ.get("JADECHAIN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    for name in sorted(set(expected) | set(current)):
        assert current.get(name) == expected.get(name), f"format of {name!r} changed"


def test_golden_record_decodes_from_pinned_bytes() -> None:
    expected = json.loads(GOLDEN.read_text())
    data = bytes.fromhex(expected["record_msgpack"])
    record = codec.decode_canonical(data, GoldenRecord)
    assert record.height == 2**40 + 7
    assert codec.to_json(record).decode() == expected["record_json"]
