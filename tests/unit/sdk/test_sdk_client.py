"""Client and AsyncClient over a mock gateway: every route, its query, decoding, msgpack mode."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from jadechain import api, codec
from jadechain.ledger import model as m
from jadechain.ledger.model import AccountKind
from jadechain.ledger.proofs import EntryProof, TransactionProof, prove_entry, prove_transaction
from jadechain.ledger.values import Int64, Text
from jadechain.sdk import AsyncClient, Client
from jadechain.testing import LocalChain

BASE = "http://gateway.test:8080"
KINDS = ["sync", "async"]


@dataclass
class FakeGateway:
    """Answers canned records at (method, raw path), as JSON or msgpack per the Accept header."""

    routes: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, method: str, path: str, answer: Any, status: int = 200) -> None:
        self.routes[(method, api.API_PREFIX + path)] = (status, answer)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.decode().partition("?")[0]
        found = self.routes.get((request.method, path))
        status, answer = found or (404, api.Problem(404, "not_found", f"no route {path}"))
        if isinstance(answer, bytes):
            return httpx.Response(status, content=answer, headers={"content-type": "text/plain"})
        if request.headers.get("accept") == api.MSGPACK:
            headers = {"content-type": api.MSGPACK}
            return httpx.Response(status, content=codec.encode(answer), headers=headers)
        headers = {"content-type": "application/json"}
        return httpx.Response(status, content=codec.to_json(answer), headers=headers)


def make(kind: str, gateway: FakeGateway, binary: bool = False) -> Client | AsyncClient:
    if kind == "async":
        return AsyncClient(BASE, binary=binary, transport=httpx.MockTransport(gateway))
    return Client(BASE, binary=binary, transport=httpx.MockTransport(gateway))


def run(client: Client | AsyncClient, invoke: Callable[[Any], Any]) -> Any:
    """`invoke(client)`, awaited for an AsyncClient (which is closed after)."""
    if isinstance(client, AsyncClient):

        async def go() -> Any:
            async with client:
                return await invoke(client)

        return asyncio.run(go())
    with client:
        return invoke(client)


@dataclass
class World:
    """A small ledger and the API records a gateway would answer about it."""

    chain: LocalChain
    account: str
    tx: m.SignedTransaction
    result: m.TransactionResult

    @property
    def id(self) -> str:
        return self.chain.ledger.id.to_base58()

    def certificate(self, height: int) -> m.BlockCertificate:
        digest = self.block_view(height).hash
        entry = m.SignatureEntry(self.chain.node.public, self.chain.node.sign(digest.to_bytes()))
        return m.BlockCertificate(height, digest, [entry])

    def block_view(self, height: int) -> api.BlockView:
        block = self.chain.ledger.block(height)
        assert block is not None
        digest = self.chain.ledger.digest(codec.encode(block.header))
        return api.BlockView(digest, block.header, [r.tx_hash for r in block.results])

    def transaction_view(self) -> api.TransactionView:
        block = self.block_view(self.result.height)
        time_ms = block.header.time_ms
        return api.TransactionView(self.result.tx_hash, self.tx, self.result, block.hash, time_ms)

    def answers(self) -> dict[str, Any]:
        chain, node, admin = self.chain, self.chain.node, self.chain.admin
        summary = api.LedgerSummary(chain.ledger.id, "test ledger", chain.ledger.height)
        participant = api.ParticipantView(
            node.address, "org0", node.public, m.ParticipantState.ACTIVE
        )
        entries = [api.EntryView("lot-7", 1, Text("shipped")), api.EntryView("w", 0, Int64(9))]
        submitted = api.SubmitResult(
            self.result.tx_hash,
            api.SubmitStatus.COMMITTED,
            "",
            self.result,
            self.block_view(2).hash,
        )
        return {
            "summaries": [summary],
            "info": api.LedgerInfo(
                chain.ledger.id,
                "test ledger",
                chain.ledger.height,
                chain.ledger.head_hash,
                "classic",
                "sha256",
                ["ed25519"],
                "solo",
                60_000,
                [participant],
            ),
            "submitted": submitted,
            "accepted": api.SubmitResult(self.result.tx_hash, api.SubmitStatus.ACCEPTED),
            "user": api.UserView(
                admin.address, admin.public, m.UserState.NORMAL, ["ADMIN"], m.RolePolicy.UNION
            ),
            "account": api.AccountView(
                self.account, AccountKind.DATA, node.public, [admin.address], None, False, 0
            ),
            "entries": entries,
            "events": [api.EventView("lots", 0, Text("a")), api.EventView("lots", 1, Int64(2))],
            "role": api.RoleView("ADMIN", list(m.LedgerPermission), list(m.TransactionPermission)),
            "contract": api.ContractView(self.account, 1, "x = 1\n", False),
            "health": api.Health("ok", [summary]),
            "entry_proof": prove_entry(chain.ledger, self.account, "lot-7"),
            "tx_proof": prove_transaction(chain.ledger, self.result.tx_hash),
        }


@pytest.fixture(scope="module")
def world() -> World:
    chain = LocalChain()
    account = chain.data_account()
    tx = chain.tx([m.SetEntries(account, [m.EntryWrite("lot-7", Text("harvested"), m.NEW)])])
    [result] = chain.block([tx]).block.results
    chain.ok([m.SetEntries(account, [m.EntryWrite("lot-7", Text("shipped"), 0)])])
    return World(chain, account, tx, result)


# name: (invoke(client, world), method, path below /ledgers/{L} ("" for /ledgers), query, answer)
Route = tuple[Callable[[Any, World], Any], str, str, dict[str, str], Callable[[World], Any]]
ROUTES: dict[str, Route] = {
    "ledgers": (lambda c, w: c.ledgers(), "GET", "", {}, lambda w: w.answers()["summaries"]),
    "ledger": (lambda c, w: c.ledger(w.id), "GET", "/", {}, lambda w: w.answers()["info"]),
    "latest_block": (
        lambda c, w: c.latest_block(w.chain.ledger.id),
        "GET",
        "/blocks/latest",
        {},
        lambda w: w.block_view(3),
    ),
    "block": (lambda c, w: c.block(w.id, 1), "GET", "/blocks/1", {}, lambda w: w.block_view(1)),
    "block_transactions": (
        lambda c, w: c.block_transactions(w.id, 2),
        "GET",
        "/blocks/2/txs",
        {},
        lambda w: [w.transaction_view()],
    ),
    "certificate": (
        lambda c, w: c.certificate(w.id, 2),
        "GET",
        "/blocks/2/certificate",
        {},
        lambda w: w.certificate(2),
    ),
    "submit": (
        lambda c, w: c.submit(w.id, w.tx),
        "POST",
        "/txs",
        {},
        lambda w: w.answers()["submitted"],
    ),
    "submit_nowait": (
        lambda c, w: c.submit(w.id, w.tx, wait=False),
        "POST",
        "/txs",
        {"wait": "false"},
        lambda w: w.answers()["accepted"],
    ),
    "submit_batch": (
        lambda c, w: c.submit_batch(w.id, [w.tx, w.tx]),
        "POST",
        "/txs/batch",
        {},
        lambda w: [w.answers()["submitted"]] * 2,
    ),
    "transaction": (
        lambda c, w: c.transaction(w.id, w.result.tx_hash),
        "GET",
        "/txs/{tx}",
        {},
        lambda w: w.transaction_view(),
    ),
    "transaction_proof": (
        lambda c, w: c.transaction_proof(w.id, w.result.tx_hash.to_base58()),
        "GET",
        "/txs/{tx}/proof",
        {},
        lambda w: w.answers()["tx_proof"],
    ),
    "user": (
        lambda c, w: c.user(w.id, w.chain.admin.address),
        "GET",
        "/users/{admin}",
        {},
        lambda w: w.answers()["user"],
    ),
    "account": (
        lambda c, w: c.account(w.id, w.account),
        "GET",
        "/accounts/{a}",
        {},
        lambda w: w.answers()["account"],
    ),
    "entries": (
        lambda c, w: c.entries(w.id, w.account),
        "GET",
        "/accounts/{a}/entries",
        {"prefix": "", "limit": "100"},
        lambda w: w.answers()["entries"],
    ),
    "entries_prefix": (
        lambda c, w: c.entries(w.id, w.account, prefix="lot-", limit=5),
        "GET",
        "/accounts/{a}/entries",
        {"prefix": "lot-", "limit": "5"},
        lambda w: w.answers()["entries"][:1],
    ),
    "entry": (
        lambda c, w: c.entry(w.id, w.account, "lot-7"),
        "GET",
        "/accounts/{a}/entries/lot-7",
        {},
        lambda w: w.answers()["entries"][0],
    ),
    "entry_as_of": (
        lambda c, w: c.entry(w.id, w.account, "lot-7", version=0, height=2),
        "GET",
        "/accounts/{a}/entries/lot-7",
        {"version": "0", "height": "2"},
        lambda w: w.answers()["entries"][0],
    ),
    "entry_quoted": (
        lambda c, w: c.entry(w.id, w.account, "a/b c?d#é%"),
        "GET",
        "/accounts/{a}/entries/a%2Fb%20c%3Fd%23%C3%A9%25",
        {},
        lambda w: w.answers()["entries"][0],
    ),
    "entry_dots": (
        lambda c, w: c.entry(w.id, w.account, ".."),
        "GET",
        "/accounts/{a}/entries/%2E%2E",
        {},
        lambda w: w.answers()["entries"][0],
    ),
    "history": (
        lambda c, w: c.history(w.id, w.account, "lot-7", from_version=1, limit=10),
        "GET",
        "/accounts/{a}/entries/lot-7/history",
        {"from": "1", "limit": "10"},
        lambda w: w.answers()["entries"],
    ),
    "entry_proof": (
        lambda c, w: c.entry_proof(w.id, w.account, "lot-7"),
        "GET",
        "/accounts/{a}/entries/lot-7/proof",
        {},
        lambda w: w.answers()["entry_proof"],
    ),
    "entry_proof_as_of": (
        lambda c, w: c.entry_proof(w.id, w.account, "lot-7", version=0, height=3),
        "GET",
        "/accounts/{a}/entries/lot-7/proof",
        {"version": "0", "height": "3"},
        lambda w: w.answers()["entry_proof"],
    ),
    "contract": (
        lambda c, w: c.contract(w.id, w.account),
        "GET",
        "/contracts/{a}",
        {},
        lambda w: w.answers()["contract"],
    ),
    "events": (
        lambda c, w: c.events(w.id, w.account, "lots"),
        "GET",
        "/events/{a}/lots",
        {"from": "0", "limit": "100"},
        lambda w: w.answers()["events"],
    ),
    "events_from": (
        lambda c, w: c.events(w.id, w.account, "lots/x", from_sequence=1, limit=1),
        "GET",
        "/events/{a}/lots%2Fx",
        {"from": "1", "limit": "1"},
        lambda w: w.answers()["events"][1:],
    ),
    "role": (
        lambda c, w: c.role(w.id, "ADMIN"),
        "GET",
        "/roles/ADMIN",
        {},
        lambda w: w.answers()["role"],
    ),
    "health": (lambda c, w: c.health(), "GET", "!/health", {}, lambda w: w.answers()["health"]),
}


def full_path(world: World, path: str) -> str:
    if path.startswith("!"):
        return path[1:]
    if not path:
        return "/ledgers"
    filled = path.format(
        a=world.account, tx=world.result.tx_hash.to_base58(), admin=world.chain.admin.address
    )
    return f"/ledgers/{world.id}{filled.rstrip('/')}"


@pytest.mark.parametrize("binary", [False, True], ids=["json", "msgpack"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(ROUTES))
def test_route(world: World, name: str, kind: str, binary: bool) -> None:
    invoke, method, path, params, answer = ROUTES[name]
    gateway = FakeGateway()
    expected = answer(world)
    gateway.add(method, full_path(world, path), expected)
    got = run(make(kind, gateway, binary), lambda c: invoke(c, world))
    assert got == expected
    assert type(got) is type(expected)
    [request] = gateway.requests
    assert request.method == method
    assert request.url.raw_path.decode().partition("?")[0] == api.API_PREFIX + full_path(
        world, path
    )
    assert dict(request.url.params) == params
    wanted = api.MSGPACK if binary else "application/json"
    assert request.headers["accept"] == wanted
    if method == "POST":
        assert request.headers["content-type"] == wanted
        body: Any = [world.tx, world.tx] if name == "submit_batch" else world.tx
        encoded = codec.encode(body) if binary else codec.to_json(body)
        assert request.content == encoded
    else:
        assert request.content == b""


def test_every_client_method_has_a_route() -> None:
    streams = {"event_stream", "system_events"}  # AsyncClient only: see test_sdk_events.py
    special = {"call", "close", "aclose", "verified_entry", *streams}
    for cls in (Client, AsyncClient):
        methods = {
            n for n, _ in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")
        }
        assert methods - special <= set(ROUTES)
    assert {n for n in dir(Client) if not n.startswith("_")} == {
        n for n in dir(AsyncClient) if not n.startswith("_")
    } ^ {"aclose", "close", *streams}


def test_proofs_decode_to_the_ledger_types(world: World) -> None:
    gateway = FakeGateway()
    proof = world.answers()["entry_proof"]
    gateway.add("GET", full_path(world, "/accounts/{a}/entries/lot-7/proof"), proof)
    got = run(make("sync", gateway), lambda c: c.entry_proof(world.id, world.account, "lot-7"))
    assert isinstance(got, EntryProof)
    assert isinstance(world.answers()["tx_proof"], TransactionProof)


@pytest.mark.parametrize("base", [BASE, BASE + "/", BASE + "/api/v1", BASE + "/api/v1/"])
def test_base_url_forms(world: World, base: str) -> None:
    gateway = FakeGateway()
    gateway.add("GET", "/health", world.answers()["health"])
    with Client(base, transport=httpx.MockTransport(gateway)) as client:
        assert client.health().status == "ok"
        assert client.base_url == BASE + "/api/v1"
    assert str(gateway.requests[0].url) == BASE + "/api/v1/health"
