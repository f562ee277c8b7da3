"""`jadechain keys` and `jadechain bench` as real processes, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jadechain.crypto import PublicKey, parse_address

PASSWORD = "s3cret pass"


def jadechain(
    *args: str, home: Path, password: str | None = PASSWORD, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JADECHAIN_HOME": str(home)}
    if password is not None:
        env["P"] = password
    result = subprocess.run(
        [sys.executable, "-m", "jadechain", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_new_sm2_key_then_show_json_prints_sm2_address(tmp_path: Path) -> None:
    created = jadechain("keys", "new", "a", "--algo", "sm2", "--password-env", "P", home=tmp_path)
    assert "created sm2 key 'a'" in created.stdout
    shown = json.loads(jadechain("keys", "show", "a", "--json", home=tmp_path).stdout)
    assert shown["algorithm"] == "sm2"
    assert shown["encrypted"] is True
    algorithm, _ = parse_address(shown["address"])
    assert algorithm.info.name == "sm2"
    assert PublicKey.from_base58(shown["public_key"]).algorithm.info.name == "sm2"
    assert Path(shown["file"]).parent == tmp_path / "keys"


def test_list_and_dir_option(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    for name, algo in (("k1", "secp256k1"), ("p", "ecdsa-p256"), ("e", "ed25519")):
        jadechain("keys", "new", name, "--algo", algo, "--dir", str(elsewhere), "--no-password",
                  home=tmp_path)  # fmt: skip
    listed = json.loads(
        jadechain("keys", "list", "--dir", str(elsewhere), "--json", home=tmp_path).stdout
    )
    assert [item["name"] for item in listed] == ["e", "k1", "p"]
    assert [item["algorithm"] for item in listed] == ["ed25519", "secp256k1", "ecdsa-p256"]
    assert "no keys in" in jadechain("keys", "list", home=tmp_path).stdout


def test_signature_from_cli_verifies_in_openssl(tmp_path: Path, openssl: str) -> None:
    jadechain("keys", "new", "s", "--algo", "sm2", "--password-env", "P", home=tmp_path)
    message = tmp_path / "message.txt"
    message.write_bytes(b"evidence: contract.pdf sha256=...")
    der_hex = jadechain("keys", "sign", "s", "--file", str(message), "--der",
                        "--password-env", "P", home=tmp_path).stdout.strip()  # fmt: skip
    (tmp_path / "sig.der").write_bytes(bytes.fromhex(der_hex))
    pem = jadechain("keys", "export", "s", "--format", "pem", home=tmp_path).stdout
    (tmp_path / "pub.pem").write_text(pem)
    command = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem")]
    command += ["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
    command += ["-in", str(message), "-sigfile", str(tmp_path / "sig.der")]
    verified = subprocess.run(command, capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stderr
    assert "Signature Verified Successfully" in verified.stdout


def test_sign_and_verify_round_trip_and_tamper(tmp_path: Path) -> None:
    jadechain("keys", "new", "e", "--password-env", "P", home=tmp_path)
    message = tmp_path / "m"
    message.write_bytes(b"pay 10")
    signature = jadechain("keys", "sign", "e", "--file", str(message), "--password-env", "P",
                          home=tmp_path).stdout.strip()  # fmt: skip
    public = jadechain("keys", "export", "e", home=tmp_path).stdout.strip()
    args = ("keys", "verify", "--public-key", public, "--file", str(message))
    assert jadechain(*args, "--signature", signature, home=tmp_path).stdout.strip() == "valid"
    message.write_bytes(b"pay 99")
    rejected = jadechain(*args, "--signature", signature, home=tmp_path, check=False)
    assert rejected.returncode == 1
    assert "INVALID" in rejected.stderr


def test_export_private_needs_the_password(tmp_path: Path) -> None:
    jadechain("keys", "new", "x", "--algo", "sm2", "--password-env", "P", home=tmp_path)
    wrong = jadechain("keys", "export", "x", "--private", "--password-env", "P",
                      home=tmp_path, password="nope", check=False)  # fmt: skip
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("error: wrong password for key 'x'")
    pem = jadechain("keys", "export", "x", "--private", "--format", "pem", "--password-env", "P",
                    home=tmp_path).stdout  # fmt: skip
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("keys", "new", "a", "--algo", "rsa", "--no-password"), "Invalid value for '--algo'"),
        (("keys", "new", "../a", "--no-password"), "error: invalid key name"),
        (("keys", "new", "a"), "error: no password: give --password-env VAR or --no-password"),
        (("keys", "new", "a", "--password-env", "UNSET_VAR"), "error: environment variable UNSET"),
        (("keys", "show", "ghost"), "error: no key named 'ghost'"),
        (
            ("keys", "verify", "--public-key", "0OIl", "--file", "/dev/null", "--signature", "1"),
            "error: invalid Base58 character",
        ),
        (("bench", "crypto", "--seconds", "0"), "Invalid value for '--seconds'"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_reason(
    tmp_path: Path, args: tuple[str, ...], reason: str
) -> None:
    result = jadechain(*args, home=tmp_path, check=False)
    assert result.returncode == 2
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    jadechain("keys", "new", "k", "--no-password", home=tmp_path)
    before = (tmp_path / "keys" / "k.key.json").read_bytes()
    again = jadechain("keys", "new", "k", "--no-password", home=tmp_path, check=False)
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert (tmp_path / "keys" / "k.key.json").read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("keys",),
        ("keys", "new"),
        ("keys", "list"),
        ("keys", "show"),
        ("keys", "export"),
        ("keys", "sign"),
        ("keys", "verify"),
        ("bench",),
        ("bench", "crypto"),
        ("bench", "ledger"),
        ("dev",),
        ("peer",),
        ("peer", "run"),
        ("gateway",),
        ("gateway", "run"),
    ],
)
def test_every_command_has_help(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = jadechain(*command, "--help", home=tmp_path)
    assert "Usage: " in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_bench_crypto_json_reports_figures_with_conditions(tmp_path: Path) -> None:
    result = jadechain("bench", "crypto", "--algo", "ed25519", "--seconds", "0.05", "--rounds",
                       "1", "--json", home=tmp_path)  # fmt: skip
    report = json.loads(result.stdout)
    assert report["conditions"]["cores"] >= 1
    [figure] = report["figures"]
    assert figure["algorithm"] == "ed25519"
    assert figure["sign_per_s"] > 0
    assert figure["verify_per_s_one_core"] > 0
    assert figure["verify_per_s_all_cores"] > 0
