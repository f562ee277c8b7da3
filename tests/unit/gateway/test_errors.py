"""Bad requests get the right 4xx and a Problem that says what was wrong; failures inside the
gateway are a 500 Problem, and the next request is served as usual."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from jadechain import codec
from jadechain.api import Problem
from jadechain.gateway.harness import Harness, run
from jadechain.gateway.routing import ErrorMiddleware
from jadechain.ledger import model as m
from jadechain.ledger.values import Text
from jadechain.testing import LocalChain

BODY_BYTES_MAX = 64 * 1024


def problem(response: httpx.Response, status: int) -> Problem:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    found = codec.from_json(response.content, Problem)
    assert found.status == status
    return found


async def setup(api: Harness) -> str:
    """A data account holding one entry; its address."""
    account = api.chain.key()
    await api.submit([m.RegisterDataAccount(account.public)])
    await api.submit([m.SetEntries(account.address, [m.EntryWrite("k", Text("v"), m.NEW)])])
    return account.address


def test_malformed_bodies_name_the_problem(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        url = f"{api.base}/txs"
        tx = codec.to_builtins(chain.tx([m.RegisterDataAccount(chain.key().public)]))
        tx["content"]["time_ms"] = "soon"
        wrong_type = await api.client.post(url, content=json.dumps(tx))
        assert "$.content.time_ms" in problem(wrong_type, 400).message
        assert "Expected `int`, got `str`" in problem(wrong_type, 400).message
        truncated = problem(await api.client.post(url, content=b'{"content": {'), 400)
        assert "cannot decode SignedTransaction from JSON" in truncated.message
        tx["content"]["time_ms"] = 1
        ledger, tx["content"]["ledger"] = tx["content"]["ledger"], "not-base58!"
        bad_digest = problem(await api.client.post(url, content=json.dumps(tx)), 400)
        assert "$.content.ledger" in bad_digest.message
        tx["content"]["ledger"] = ledger
        tx["extra"] = 1
        unknown = problem(await api.client.post(url, content=json.dumps(tx)), 400)
        assert "extra" in unknown.message
        empty = problem(await api.client.post(url, content=b""), 400)
        assert empty.message == "the request body is empty"
        text = await api.client.post(url, content=b"x", headers={"Content-Type": "text/plain"})
        assert problem(text, 415).code == "unsupported_media_type"

    run(chain, scenario)


def test_oversize_bodies_are_413_while_streaming(chain: LocalChain) -> None:
    async def chunks(count: int) -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"x" * 16 * 1024

    async def scenario(api: Harness) -> None:
        url = f"{api.base}/txs"
        declared = await api.client.post(url, content=b"x" * (BODY_BYTES_MAX + 1))
        assert problem(declared, 413).code == "payload_too_large"
        # No Content-Length (chunked): refused once the limit is passed.
        streamed = await api.client.post(url, content=chunks(100))
        assert str(BODY_BYTES_MAX) in problem(streamed, 413).message
        # A Content-Length that lies low is not trusted either.
        lying = await api.client.post(url, content=chunks(100), headers={"Content-Length": "10"})
        assert problem(lying, 413).code == "payload_too_large"
        not_a_number = await api.client.post(url, content=b"{}", headers={"Content-Length": "x"})
        assert "Content-Length" in problem(not_a_number, 400).message
        assert (await api.client.get("/health")).status_code == 200

    run(chain, scenario, body_bytes_max=BODY_BYTES_MAX)


def test_ledger_ids_and_hashes_in_paths(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        malformed = await api.client.get("/api/v1/ledgers/1111/blocks/latest")
        assert "ledger is not a Base58 digest" in problem(malformed, 400).message
        other = chain.ledger.digest(b"another ledger").to_base58()
        unknown = problem(await api.client.get(f"/api/v1/ledgers/{other}/blocks/latest"), 404)
        assert unknown.message == f"no ledger {other} on this gateway"
        assert problem(await api.client.post(f"/api/v1/ledgers/{other}/txs"), 404)
        assert "hash is not a Base58 digest" in problem(await api.get("/txs/abc"), 400).message
        missing = chain.ledger.digest(b"no such tx").to_base58()
        assert problem(await api.get(f"/txs/{missing}"), 404).message.startswith("no transaction")
        assert problem(await api.get(f"/txs/{missing}/proof"), 404)

    run(chain, scenario)


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/blocks/abc", {}, "height must be an integer, got 'abc'"),
        ("/blocks/-1", {}, "height must be at least 0, got -1"),
        ("/blocks/99999999999999999999999", {}, "height is too large"),
        ("/blocks/9223372036854775808", {}, "height must be at most 9223372036854775807"),
        ("/blocks/1.5", {}, "height must be an integer"),
        ("/accounts/{a}/entries", {"limit": "0"}, "limit must be at least 1, got 0"),
        ("/accounts/{a}/entries", {"limit": "1001"}, "limit must be at most 1000, got 1001"),
        ("/accounts/{a}/entries", {"limit": "ten"}, "limit must be an integer, got 'ten'"),
        ("/accounts/{a}/entries/k", {"version": "-2"}, "version must be at least 0"),
        ("/accounts/{a}/entries/k", {"height": "x"}, "height must be an integer"),
        ("/accounts/{a}/entries/k/history", {"from": "a"}, "from must be an integer"),
        ("/accounts/{a}/entries/k%00", {}, "key may not contain the NUL character"),
        ("/accounts/{a}/entries/%FF", {}, "key is not valid UTF-8"),
        ("/accounts/nope", {}, "address is not a valid jadechain address: 'nope'"),
        ("/users/nope", {}, "address is not a valid jadechain address"),
        ("/events/nope/topic", {}, "account is not a valid jadechain address"),
        ("/roles/a%20b", {}, "role name may hold only letters"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    chain: LocalChain, path: str, params: dict[str, str], message: str
) -> None:
    async def scenario(api: Harness) -> None:
        address = await setup(api)
        response = await api.get(path.replace("{a}", address), **params)
        found = problem(response, 400)
        assert found.code == "bad_request"
        assert message in found.message

    run(chain, scenario)


def test_wait_must_be_a_boolean(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        tx = chain.tx([m.RegisterDataAccount(chain.key().public)])
        response = await api.post_tx(tx, wait="maybe")
        assert problem(response, 400).message == "wait must be true or false, got 'maybe'"

    run(chain, scenario)


def test_missing_things_are_404(chain: LocalChain) -> None:
    async def scenario(api: Harness) -> None:
        address = await setup(api)
        nobody = chain.key().address
        for path, message in (
            ("/blocks/50", "no block at height 50: the head is at"),
            ("/blocks/50/txs", "no block at height 50"),
            ("/blocks/0/certificate", "block 0 has no certificate"),
            (f"/users/{nobody}", f"no user {nobody}"),
            (f"/accounts/{nobody}", f"no account {nobody}"),
            (f"/accounts/{nobody}/entries", f"no account {nobody}"),
            (f"/accounts/{address}/entries/nothing", "no key 'nothing' in account"),
            (f"/accounts/{address}/entries/k?height=1", "no key 'k' in account"),
            (f"/accounts/{address}/entries/k?height=99", "no block at height 99"),
            (f"/contracts/{address}", "is not a contract"),
            (f"/events/{address}/t", "is not an event account"),
            ("/roles/nobody", "no role NOBODY"),
        ):
            found = problem(await api.client.get(api.base + path), 404)
            assert found.code == "not_found"
            assert message in found.message, (path, found.message)
        route = problem(await api.client.get("/api/v1/nothing/here"), 404)
        assert route.message == "no route GET /api/v1/nothing/here"
        assert problem(await api.client.get(f"{api.base}/"), 404)  # no trailing-slash redirect
        method = await api.client.delete(f"{api.base}/txs")
        assert problem(method, 405).code == "method_not_allowed"
        assert method.headers["allow"] == "POST"

    run(chain, scenario)


def test_an_unexpected_failure_is_a_500_problem_and_the_next_request_works(
    chain: LocalChain, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(function: Callable[..., Any]) -> Any:
        raise ZeroDivisionError("deliberate")

    async def scenario(api: Harness) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(api.host, "read", boom)
            failed = problem(await api.get("/blocks/latest"), 500)
            assert failed.code == "internal_error"
            assert "deliberate" not in failed.message  # details go to the log, not the client
        assert (await api.get("/blocks/latest")).status_code == 200

    run(chain, scenario)
    assert "ZeroDivisionError: deliberate" in caplog.text


def test_error_middleware_answers_500_for_errors_outside_handlers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("outside any handler")

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=ErrorMiddleware(broken))
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            return await client.get("/anything")

    response = asyncio.run(main())
    assert problem(response, 500).code == "internal_error"
    assert "outside any handler" in caplog.text
