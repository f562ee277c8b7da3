"""Prometheus metrics in the text exposition format (0.0.4), written by hand.

Label values are bounded: HTTP requests are labelled by route *template* (never the raw path, so
a client cannot mint series), a known method or "OTHER", and the status; ledger series by ledger
id, of which a gateway has a fixed few.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jadechain.api import SubmitResult, SubmitStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OUTCOMES = {
    SubmitStatus.COMMITTED: "committed",
    SubmitStatus.ACCEPTED: "accepted",
    SubmitStatus.REJECTED: "rejected",
}


@dataclass(frozen=True)
class LedgerGauges:
    ledger: str
    height: int | None  # None: the ledger could not be read (stopped)
    mempool_transactions: int


class Metrics:
    """Counters kept in memory for the life of the app."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()  # (method, route, status)
        self.durations: dict[str, tuple[float, int]] = {}  # route -> (seconds sum, count)
        self.transactions: Counter[tuple[str, str]] = Counter()  # (ledger, outcome)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.requests[(method, route, str(status))] += 1
        total, count = self.durations.get(route, (0.0, 0))
        self.durations[route] = (total + seconds, count + 1)

    def observe_submit(self, ledger: str, results: Sequence[SubmitResult]) -> None:
        self.transactions[(ledger, "submitted")] += len(results)
        for result in results:
            self.transactions[(ledger, OUTCOMES[result.status])] += 1

    def render(self, gauges: Iterable[LedgerGauges]) -> str:
        lines: list[str] = []
        gauges = list(gauges)
        _family(lines, "jadechain_ledger_height", "gauge", "Height of the ledger's head block")
        for gauge in gauges:
            if gauge.height is not None:
                lines.append(
                    _sample("jadechain_ledger_height", {"ledger": gauge.ledger}, gauge.height)
                )
        _family(lines, "jadechain_ledger_up", "gauge", "1 if the ledger's pipeline is readable")
        for gauge in gauges:
            up = 0 if gauge.height is None else 1
            lines.append(_sample("jadechain_ledger_up", {"ledger": gauge.ledger}, up))
        _family(
            lines, "jadechain_mempool_transactions", "gauge", "Transactions waiting for a block"
        )
        for gauge in gauges:
            labels = {"ledger": gauge.ledger}
            lines.append(
                _sample("jadechain_mempool_transactions", labels, gauge.mempool_transactions)
            )
        for outcome, text in (
            ("submitted", "Transactions submitted through this gateway"),
            ("committed", "Submitted transactions answered as committed"),
            ("accepted", "Submitted transactions answered as queued (not yet committed)"),
            ("rejected", "Submitted transactions rejected before entering a block"),
        ):
            name = f"jadechain_transactions_{outcome}_total"
            _family(lines, name, "counter", text)
            for gauge in gauges:
                count = self.transactions[(gauge.ledger, outcome)]
                lines.append(_sample(name, {"ledger": gauge.ledger}, count))
        name = "jadechain_http_requests_total"
        _family(lines, name, "counter", "HTTP requests by method, route template and status")
        for (method, route, status), count in sorted(self.requests.items()):
            labels = {"method": method, "route": route, "status": status}
            lines.append(_sample(name, labels, count))
        name = "jadechain_http_request_duration_seconds"
        _family(lines, name, "summary", "Time to answer HTTP requests, by route template")
        for route, (seconds, count) in sorted(self.durations.items()):
            lines.append(_sample(f"{name}_sum", {"route": route}, seconds))
            lines.append(_sample(f"{name}_count", {"route": route}, count))
        return "\n".join(lines) + "\n"


def _family(lines: list[str], name: str, kind: str, help_text: str) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    text = ",".join(f'{key}="{_escape(label)}"' for key, label in labels.items())
    number = repr(value) if isinstance(value, float) else str(value)
    return f"{name}{{{text}}} {number}"


class MetricsMiddleware:
    """Counts every HTTP request by its route template (set by the router) and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(scope["method"], route, status, elapsed)
