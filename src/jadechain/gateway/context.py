"""What every handler works with: the gateway's hosted ledgers and settings (`Gateway`), and one
request being answered (`Call`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request

from jadechain.api import LedgerSummary
from jadechain.crypto import KeyPair
from jadechain.gateway.errors import not_found
from jadechain.gateway.metrics import Metrics
from jadechain.gateway.negotiation import decode_body, read_body, request_format
from jadechain.gateway.params import LEDGER
from jadechain.ledger.store import Ledger
from jadechain.node.host import LedgerHost, NodeUnavailableError

T = TypeVar("T")


class Gateway:
    """The ledgers this gateway fronts, by Base58 id, with its limits and its metrics."""

    def __init__(
        self,
        hosts: Sequence[LedgerHost],
        node_key: KeyPair | None,
        body_bytes_max: int,
        batch_transactions_max: int,
    ) -> None:
        if body_bytes_max < 1 or batch_transactions_max < 1:
            raise ValueError("body_bytes_max and batch_transactions_max must be positive")
        self.hosts: dict[str, LedgerHost] = {}
        for host in hosts:
            key = host.id.to_base58()
            if key in self.hosts:
                raise ValueError(f"ledger {key} is hosted twice")
            self.hosts[key] = host
        self.node_key = node_key
        self.body_bytes_max = body_bytes_max
        self.batch_transactions_max = batch_transactions_max
        self.metrics = Metrics()
        self._names: dict[str, str] = {}  # ledger names never change (they are in genesis)

    async def read(self, host: LedgerHost, function: Callable[[Ledger], T]) -> T:
        """`function(ledger)` on the ledger's thread; NodeUnavailableError once it has stopped."""
        if host.failure is not None:
            raise NodeUnavailableError("the ledger's pipeline has failed")
        try:
            return await host.read(function)
        except RuntimeError as error:
            # LedgerHost.stop() shuts its thread down; a read after that cannot be scheduled.
            if "after shutdown" in str(error):
                raise NodeUnavailableError("the ledger is shutting down") from None
            raise

    async def summary(self, host: LedgerHost) -> LedgerSummary:
        key = host.id.to_base58()
        if key in self._names:
            return LedgerSummary(host.id, self._names[key], await self.read(host, _height))
        name, height = await self.read(host, _name_and_height)
        self._names[key] = name
        return LedgerSummary(host.id, name, height)


def _name_and_height(ledger: Ledger) -> tuple[str, int]:
    return ledger.init_document().document.name, ledger.height


def _height(ledger: Ledger) -> int:
    return ledger.height


@dataclass(frozen=True)
class Reply:
    """A handler's answer with a status other than 200 (a bare record means 200)."""

    body: Any
    status: int = 200


@dataclass(frozen=True)
class Call:
    """One request being answered."""

    request: Request
    gateway: Gateway

    def host(self) -> LedgerHost:
        """The host of the ledger named in the path: 400 if malformed, 404 if not hosted here."""
        ledger_id = LEDGER.digest(self.request)
        host = self.gateway.hosts.get(ledger_id.to_base58())
        if host is None:
            raise not_found(f"no ledger {ledger_id.to_base58()} on this gateway")
        return host

    async def read(self, host: LedgerHost, function: Callable[[Ledger], T]) -> T:
        return await self.gateway.read(host, function)

    async def body(self, type_: type[T]) -> T:
        """The request body decoded as `type_` (415, 413 and 400 as `negotiation` says)."""
        fmt = request_format(self.request)
        data = await read_body(self.request, self.gateway.body_bytes_max)
        return decode_body(data, fmt, type_)
