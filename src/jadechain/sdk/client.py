"""`Client` (blocking) and `AsyncClient` (asyncio) for a gateway's REST API (DESIGN §9).

Both execute the call descriptions of `jadechain.sdk.calls`, so they share routes, encodings and
error mapping; each method here is one line. Answers decode to the records of `jadechain.api`
and `jadechain.ledger.model` (and `jadechain.ledger.proofs` for proofs).

    with Client("http://127.0.0.1:8080") as client:
        [summary] = client.ledgers()
        result = client.submit(summary.id, TxBuilder(summary.id).set_entry(...).sign(me))

Errors: `JadechainError(status, code, message)` for error answers (from their Problem body),
`GatewayUnreachableError` (a JadechainError with status 0) when there is no answer, `ValueError`
for bad arguments, `ProofError` from `verified_entry`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import httpx

from jadechain import api
from jadechain.crypto import PublicKey
from jadechain.ledger import model as m
from jadechain.ledger.values import Value
from jadechain.sdk import calls, events
from jadechain.sdk.calls import Call, HashRef, LedgerRef
from jadechain.sdk.errors import GatewayUnreachableError, JadechainError
from jadechain.sdk.events import RECONNECT, Reconnect

if TYPE_CHECKING:
    from jadechain.ledger.proofs import EntryProof, TransactionProof

T = TypeVar("T")


# Longer than the node's commit wait (30 s), so a slow commit answers "accepted", not a timeout.
DEFAULT_TIMEOUT_S = 60.0


class _Base:
    def __init__(self, base_url: str, binary: bool) -> None:
        url = str(base_url).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the gateway URL must start with http:// or https://: {url!r}")
        self.base_url = url if url.endswith(api.API_PREFIX) else url + api.API_PREFIX
        self.binary = binary

    def _request(self, call: Call[Any]) -> dict[str, Any]:
        content = call.content(self.binary)
        return {
            "method": call.method,
            "url": self.base_url + call.path,
            "params": dict(call.params),
            "headers": calls.headers(self.binary, content is not None),
            "content": content,
        }

    @staticmethod
    def _failed(request: httpx.Request, error: httpx.RequestError) -> JadechainError:
        reason = str(error) or type(error).__name__
        if isinstance(error, httpx.TimeoutException):
            reason = f"timed out ({type(error).__name__})"
        if isinstance(error, httpx.TransportError):
            return GatewayUnreachableError(str(request.url), reason)
        return JadechainError(0, "bad_response", f"{request.url}: {reason}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, binary={self.binary})"


class Client(_Base):
    """A blocking client of one gateway (`base_url` like "http://127.0.0.1:8080").

    `binary=True` sends and accepts msgpack instead of JSON. `transport` replaces the network
    (e.g. `httpx.MockTransport` or `httpx.WSGITransport` in tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = DEFAULT_TIMEOUT_S,
        binary: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, binary)
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def call(self, call: Call[T]) -> T:
        """Execute one call description (see `jadechain.sdk.calls`)."""
        request = self._http.build_request(**self._request(call))
        try:
            response = self._http.send(request)
        except httpx.RequestError as error:
            raise self._failed(request, error) from error
        content_type = response.headers.get("content-type", "")
        return call.answer(response.status_code, content_type, response.content)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def ledgers(self) -> list[api.LedgerSummary]:
        return self.call(calls.ledgers())

    def ledger(self, ledger: LedgerRef) -> api.LedgerInfo:
        return self.call(calls.ledger(ledger))

    def latest_block(self, ledger: LedgerRef) -> api.BlockView:
        return self.call(calls.latest_block(ledger))

    def block(self, ledger: LedgerRef, height: int) -> api.BlockView:
        return self.call(calls.block(ledger, height))

    def block_transactions(self, ledger: LedgerRef, height: int) -> list[api.TransactionView]:
        return self.call(calls.block_transactions(ledger, height))

    def certificate(self, ledger: LedgerRef, height: int) -> m.BlockCertificate:
        return self.call(calls.certificate(ledger, height))

    def submit(
        self, ledger: LedgerRef, tx: m.SignedTransaction, wait: bool = True
    ) -> api.SubmitResult:
        """Submit one transaction; with `wait`, the answer comes once it is in a block.

        The SubmitResult says `committed` (see its `result.code` for the execution outcome),
        `accepted` (queued: `wait=False`, or not committed before the gateway stopped waiting)
        or `rejected` (never entered a block; see `reason`): a rejection is an answer, not an
        exception. JadechainError is for requests the gateway could not take at all.
        """
        return self.call(calls.submit(ledger, tx, wait))

    def submit_batch(
        self, ledger: LedgerRef, txs: Sequence[m.SignedTransaction], wait: bool = True
    ) -> list[api.SubmitResult]:
        return self.call(calls.submit_batch(ledger, txs, wait))

    def transaction(self, ledger: LedgerRef, tx_hash: HashRef) -> api.TransactionView:
        return self.call(calls.transaction(ledger, tx_hash))

    def transaction_proof(self, ledger: LedgerRef, tx_hash: HashRef) -> TransactionProof:
        return self.call(calls.transaction_proof(ledger, tx_hash))

    def user(self, ledger: LedgerRef, address: str) -> api.UserView:
        return self.call(calls.user(ledger, address))

    def account(self, ledger: LedgerRef, address: str) -> api.AccountView:
        return self.call(calls.account(ledger, address))

    def entries(
        self, ledger: LedgerRef, address: str, prefix: str = "", limit: int = 100
    ) -> list[api.EntryView]:
        return self.call(calls.entries(ledger, address, prefix, limit))

    def entry(
        self,
        ledger: LedgerRef,
        address: str,
        key: str,
        version: int | None = None,
        height: int | None = None,
    ) -> api.EntryView | None:
        """The latest (or given) version of a key, as of a block; None when there is none."""
        return self.call(calls.entry(ledger, address, key, version, height))

    def history(
        self, ledger: LedgerRef, address: str, key: str, from_version: int = 0, limit: int = 100
    ) -> list[api.EntryView]:
        return self.call(calls.history(ledger, address, key, from_version, limit))

    def entry_proof(
        self,
        ledger: LedgerRef,
        address: str,
        key: str,
        version: int | None = None,
        height: int | None = None,
    ) -> EntryProof:
        return self.call(calls.entry_proof(ledger, address, key, version, height))

    def contract(self, ledger: LedgerRef, address: str) -> api.ContractView:
        return self.call(calls.contract(ledger, address))

    def events(
        self, ledger: LedgerRef, account: str, topic: str, from_sequence: int = 0, limit: int = 100
    ) -> list[api.EventView]:
        return self.call(calls.events(ledger, account, topic, from_sequence, limit))

    def role(self, ledger: LedgerRef, name: str) -> api.RoleView:
        return self.call(calls.role(ledger, name))

    def health(self) -> api.Health:
        return self.call(calls.health())

    def verified_entry(
        self,
        ledger: LedgerRef,
        address: str,
        key: str,
        trusted: Sequence[PublicKey],
        quorum: int | None = None,
    ) -> tuple[int, Value | None]:
        """The latest (version, value) of a key, checked offline against the trusted keys.

        Fetches the entry proof and the certificate of its block; raises `ProofError` unless
        `quorum` distinct `trusted` participants certified that block and the proof holds in it.
        The default quorum is n - f of the n trusted keys (f = (n - 1) // 3), what BFT needs.
        (-1, None) means the key is proved absent.
        """
        proof = self.call(calls.entry_proof(ledger, address, key))
        certificate = self.call(calls.certificate(ledger, calls.proof_height(proof)))
        needed = calls.bft_quorum(trusted) if quorum is None else quorum
        return calls.checked_entry(proof, certificate, ledger, address, key, trusted, needed)


class AsyncClient(_Base):
    """The asyncio twin of `Client`: the same methods and arguments, awaited.

    `transport` may be e.g. `httpx.MockTransport` or `httpx.ASGITransport(app)`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = DEFAULT_TIMEOUT_S,
        binary: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, binary)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def call(self, call: Call[T]) -> T:
        request = self._http.build_request(**self._request(call))
        try:
            response = await self._http.send(request)
        except httpx.RequestError as error:
            raise self._failed(request, error) from error
        content_type = response.headers.get("content-type", "")
        return call.answer(response.status_code, content_type, response.content)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def ledgers(self) -> list[api.LedgerSummary]:
        return await self.call(calls.ledgers())

    async def ledger(self, ledger: LedgerRef) -> api.LedgerInfo:
        return await self.call(calls.ledger(ledger))

    async def latest_block(self, ledger: LedgerRef) -> api.BlockView:
        return await self.call(calls.latest_block(ledger))

    async def block(self, ledger: LedgerRef, height: int) -> api.BlockView:
        return await self.call(calls.block(ledger, height))

    async def block_transactions(self, ledger: LedgerRef, height: int) -> list[api.TransactionView]:
        return await self.call(calls.block_transactions(ledger, height))

    async def certificate(self, ledger: LedgerRef, height: int) -> m.BlockCertificate:
        return await self.call(calls.certificate(ledger, height))

    async def submit(
        self, ledger: LedgerRef, tx: m.SignedTransaction, wait: bool = True
    ) -> api.SubmitResult:
        return await self.call(calls.submit(ledger, tx, wait))

    async def submit_batch(
        self, ledger: LedgerRef, txs: Sequence[m.SignedTransaction], wait: bool = True
    ) -> list[api.SubmitResult]:
        return await self.call(calls.submit_batch(ledger, txs, wait))

    async def transaction(self, ledger: LedgerRef, tx_hash: HashRef) -> api.TransactionView:
        return await self.call(calls.transaction(ledger, tx_hash))

    async def transaction_proof(self, ledger: LedgerRef, tx_hash: HashRef) -> TransactionProof:
        return await self.call(calls.transaction_proof(ledger, tx_hash))

    async def user(self, ledger: LedgerRef, address: str) -> api.UserView:
        return await self.call(calls.user(ledger, address))

    async def account(self, ledger: LedgerRef, address: str) -> api.AccountView:
        return await self.call(calls.account(ledger, address))

    async def entries(
        self, ledger: LedgerRef, address: str, prefix: str = "", limit: int = 100
    ) -> list[api.EntryView]:
        return await self.call(calls.entries(ledger, address, prefix, limit))

    async def entry(
        self,
        ledger: LedgerRef,
        address: str,
        key: str,
        version: int | None = None,
        height: int | None = None,
    ) -> api.EntryView | None:
        return await self.call(calls.entry(ledger, address, key, version, height))

    async def history(
        self, ledger: LedgerRef, address: str, key: str, from_version: int = 0, limit: int = 100
    ) -> list[api.EntryView]:
        return await self.call(calls.history(ledger, address, key, from_version, limit))

    async def entry_proof(
        self,
        ledger: LedgerRef,
        address: str,
        key: str,
        version: int | None = None,
        height: int | None = None,
    ) -> EntryProof:
        return await self.call(calls.entry_proof(ledger, address, key, version, height))

    async def contract(self, ledger: LedgerRef, address: str) -> api.ContractView:
        return await self.call(calls.contract(ledger, address))

    async def events(
        self, ledger: LedgerRef, account: str, topic: str, from_sequence: int = 0, limit: int = 100
    ) -> list[api.EventView]:
        return await self.call(calls.events(ledger, account, topic, from_sequence, limit))

    def event_stream(
        self,
        ledger: LedgerRef,
        account: str,
        topic: str,
        from_sequence: int = 0,
        *,
        reconnect: Reconnect = RECONNECT,
    ) -> AsyncIterator[api.EventView]:
        """Every event of a topic from `from_sequence` on, then live, exactly once and in
        order, reconnecting as `reconnect` says (see `jadechain.sdk.events`)."""
        args = (ledger, account, topic, from_sequence, reconnect)
        return events.topic_events(self._http, self.base_url, *args)

    @overload
    def system_events(
        self,
        ledger: LedgerRef,
        kind: Literal["block"],
        from_height: int = 0,
        *,
        reconnect: Reconnect = ...,
    ) -> AsyncIterator[api.BlockCommitted]: ...
    @overload
    def system_events(
        self,
        ledger: LedgerRef,
        kind: Literal["tx"],
        from_height: int = 0,
        *,
        reconnect: Reconnect = ...,
    ) -> AsyncIterator[api.TransactionCommitted]: ...
    def system_events(
        self,
        ledger: LedgerRef,
        kind: str,
        from_height: int = 0,
        *,
        reconnect: Reconnect = RECONNECT,
    ) -> AsyncIterator[api.BlockCommitted] | AsyncIterator[api.TransactionCommitted]:
        """`block` (one per block) or `tx` (one per transaction result) from a height on."""
        args = (ledger, kind, from_height, reconnect)
        return events.system_events(self._http, self.base_url, *args)

    async def role(self, ledger: LedgerRef, name: str) -> api.RoleView:
        return await self.call(calls.role(ledger, name))

    async def health(self) -> api.Health:
        return await self.call(calls.health())

    async def verified_entry(
        self,
        ledger: LedgerRef,
        address: str,
        key: str,
        trusted: Sequence[PublicKey],
        quorum: int | None = None,
    ) -> tuple[int, Value | None]:
        proof = await self.call(calls.entry_proof(ledger, address, key))
        certificate = await self.call(calls.certificate(ledger, calls.proof_height(proof)))
        needed = calls.bft_quorum(trusted) if quorum is None else quorum
        return calls.checked_entry(proof, certificate, ledger, address, key, trusted, needed)
