"""Client error mapping, argument checks, unreachable gateways, and verified reads."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest

from jadechain import api, codec
from jadechain.crypto import KeyPair
from jadechain.ledger import model as m
from jadechain.ledger.proofs import prove_entry
from jadechain.ledger.values import Text
from jadechain.sdk import (
    AsyncClient,
    Client,
    GatewayUnreachableError,
    JadechainError,
    ProofError,
)
from jadechain.testing import LocalChain

BASE = "http://gateway.test"


def answering(status: int, body: bytes, content_type: str = "application/json") -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return Client(BASE, transport=httpx.MockTransport(handler))


@pytest.fixture(scope="module")
def ledger_id() -> str:
    return LocalChain().ledger.id.to_base58()


def test_problem_bodies_become_jadechain_errors(ledger_id: str) -> None:
    problem = api.Problem(400, "bad_signature", "signature 0 does not verify")
    client = answering(400, codec.to_json(problem))
    with pytest.raises(JadechainError, match="400 bad_signature: signature 0") as caught:
        client.ledger(ledger_id)
    assert (caught.value.status, caught.value.code) == (400, "bad_signature")
    assert caught.value.message == "signature 0 does not verify"


def test_msgpack_problem_bodies(ledger_id: str) -> None:
    problem = api.Problem(413, "payload_too_large", "too big")
    client = answering(413, codec.encode(problem), api.MSGPACK + "; charset=binary")
    with pytest.raises(JadechainError) as caught:
        client.ledgers()
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        413,
        "payload_too_large",
        "too big",
    )


def test_missing_entry_is_none_but_other_404s_raise(ledger_id: str) -> None:
    not_found = codec.to_json(api.Problem(404, "not_found", "no such thing"))
    client = answering(404, not_found)
    address = KeyPair.generate(LocalChain().algorithm).address
    assert client.entry(ledger_id, address, "k") is None
    with pytest.raises(JadechainError, match="404 not_found") as caught:
        client.account(ledger_id, address)
    assert caught.value.status == 404
    with pytest.raises(JadechainError, match="404"):
        client.entry_proof(ledger_id, address, "k")


def test_a_rejected_submission_is_an_answer(ledger_id: str) -> None:
    chain = LocalChain()
    tx = chain.tx([m.RegisterDataAccount(chain.key().public)])
    rejected = api.SubmitResult(
        chain.ledger.digest(codec.encode(tx.content)), api.SubmitStatus.REJECTED, "bad signature"
    )
    for binary in (False, True):
        body = codec.encode(rejected) if binary else codec.to_json(rejected)
        client = answering(400, body, api.MSGPACK if binary else "application/json")
        client.binary = binary
        assert client.submit(ledger_id, tx) == rejected
    problem = codec.to_json(api.Problem(400, "bad_request", "body is not a SignedTransaction"))
    with pytest.raises(JadechainError, match="400 bad_request"):
        answering(400, problem).submit(ledger_id, tx)
    with pytest.raises(JadechainError, match="400 bad_request"):
        answering(400, problem).transaction(ledger_id, rejected.tx_hash)


def test_non_problem_error_and_undecodable_success(ledger_id: str) -> None:
    with pytest.raises(JadechainError, match="502 http_error: upstream down") as caught:
        answering(502, b"upstream down", "text/plain").health()
    assert caught.value.code == "http_error"
    with pytest.raises(JadechainError, match="301 http_error: moved"):
        answering(301, b"moved", "text/plain").health()
    with pytest.raises(JadechainError, match="503 http_error: HTTP status 503"):
        answering(503, b"").health()
    with pytest.raises(JadechainError, match="200 bad_response") as bad:
        answering(200, b'{"status": "ok"}').health()
    assert bad.value.code == "bad_response"
    with pytest.raises(JadechainError, match="bad_response"):
        answering(200, b"\xc1", api.MSGPACK).health()


def test_connection_errors_name_the_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = Client(BASE, transport=httpx.MockTransport(refuse))
    with pytest.raises(
        GatewayUnreachableError, match=re.escape("gateway at http://gateway.test/api/v1/health")
    ):
        client.health()

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("", request=request)

    async def go() -> None:
        async with AsyncClient(BASE, transport=httpx.MockTransport(slow)) as client:
            await client.ledgers()

    with pytest.raises(GatewayUnreachableError, match="timed out") as caught:
        asyncio.run(go())
    assert caught.value.status == 0
    assert caught.value.url == BASE + "/api/v1/ledgers"


def test_a_real_closed_port() -> None:
    with socket.socket() as probe:  # a port nobody listens on: bind, then close
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with (
        Client(url, timeout=5) as client,
        pytest.raises(GatewayUnreachableError, match=re.escape(url)),
    ):
        client.health()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, lid: c.ledger("not a digest"), "not a ledger id"),
        (lambda c, lid: c.ledger(b"raw"), "Digest or Base58"),
        (lambda c, lid: c.block(lid, -1), "height must be an int >= 0"),
        (lambda c, lid: c.block(lid, True), "height must be an int"),
        (lambda c, lid: c.transaction(lid, "zz"), "not a transaction hash"),
        (lambda c, lid: c.entries(lid, "addr", limit=0), "limit must be an int >= 1"),
        (lambda c, lid: c.entry(lid, "addr", ""), "key must be non-empty"),
        (lambda c, lid: c.entry(lid, "", "k"), "address must be non-empty"),
        (lambda c, lid: c.entry(lid, "a", "k", version=-2), "version must be"),
        (lambda c, lid: c.events(lid, "a", "t", from_sequence=-1), "from_sequence"),
        (lambda c, lid: c.submit(lid, "tx"), "SignedTransaction"),
        (lambda c, lid: c.submit_batch(lid, []), "non-empty list"),
    ],
)
def test_bad_arguments_are_value_errors(
    ledger_id: str, call: Callable[[Client, str], Any], message: str
) -> None:
    client = answering(500, b"never asked")
    with pytest.raises(ValueError, match=message):
        call(client, ledger_id)


def test_bad_base_url() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        Client("gateway:8080")


# --- verified reads ------------------------------------------------------------------------------


class ProofGateway:
    """Serves the entry proof and certificates of a LocalChain, optionally lying."""

    def __init__(self, chain: LocalChain, account: str) -> None:
        self.chain, self.account = chain, account
        self.signer = chain.node
        self.proof_key: str | None = None
        self.value: Text | None = None

    def certificate(self, height: int) -> m.BlockCertificate:
        header = self.chain.ledger.header(height)
        assert header is not None
        digest = self.chain.ledger.digest(codec.encode(header))
        entry = m.SignatureEntry(self.signer.public, self.signer.sign(digest.to_bytes()))
        return m.BlockCertificate(height, digest, [entry])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if parts[-1] == "certificate":
            body = codec.encode(self.certificate(int(parts[-2])))
        else:
            key = self.proof_key or parts[-2]
            proof = prove_entry(self.chain.ledger, self.account, key)
            if self.value is not None:
                proof = msgspec.structs.replace(proof, value=self.value)
            body = codec.encode(proof)
        return httpx.Response(200, content=body, headers={"content-type": api.MSGPACK})


@pytest.fixture
def proving(chain: LocalChain) -> tuple[ProofGateway, str]:
    account = chain.data_account()
    chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("harvested"), m.NEW)])])
    chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("shipped"), 0)])])
    chain.ok([m.SetEntries(account, [m.EntryWrite("other", Text("x"), m.NEW)])])
    return ProofGateway(chain, account), account


def test_verified_entry(chain: LocalChain, proving: tuple[ProofGateway, str]) -> None:
    gateway, account = proving
    trusted = [chain.node.public]
    lid = chain.ledger.id
    with Client(BASE, binary=True, transport=httpx.MockTransport(gateway)) as client:
        assert client.verified_entry(lid, account, "lot-7", trusted) == (1, Text("shipped"))
        assert client.verified_entry(lid.to_base58(), account, "never", trusted) == (-1, None)
        with pytest.raises(ProofError, match="quorum of 2"):
            client.verified_entry(lid, account, "lot-7", trusted, quorum=2)
        with pytest.raises(ProofError, match="does not verify"):
            client.verified_entry(lid, account, "lot-7", [chain.key().public])
        with pytest.raises(ProofError, match="does not verify"):
            client.verified_entry(LocalChain().ledger.id, account, "lot-7", trusted)
        gateway.proof_key = "other"
        with pytest.raises(ProofError, match="not the key asked"):
            client.verified_entry(lid, account, "lot-7", trusted)
        gateway.proof_key, gateway.value = None, Text("stolen")
        with pytest.raises(ProofError):
            client.verified_entry(lid, account, "lot-7", trusted)
        gateway.value, gateway.signer = None, chain.key()
        with pytest.raises(ProofError):
            client.verified_entry(lid, account, "lot-7", trusted)


def test_async_verified_entry(chain: LocalChain, proving: tuple[ProofGateway, str]) -> None:
    gateway, account = proving

    async def go() -> tuple[int, object]:
        async with AsyncClient(BASE, transport=httpx.MockTransport(gateway)) as client:
            return await client.verified_entry(
                chain.ledger.id, account, "lot-7", [chain.node.public]
            )

    assert asyncio.run(go()) == (1, Text("shipped"))
