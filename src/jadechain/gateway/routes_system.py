"""The gateway's own routes: /health and /metrics (at the root and under /api/v1), the OpenAPI
document and its page, and the explorer's static files when the explorer package is present.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import HTMLResponse, Response

from jadechain.api import API_PREFIX, Health, LedgerSummary
from jadechain.gateway.context import Call, Reply
from jadechain.gateway.metrics import CONTENT_TYPE, LedgerGauges
from jadechain.gateway.routing import Endpoint
from jadechain.node.host import NodeUnavailableError

OK = "ok"
UNAVAILABLE = "unavailable"


async def health(call: Call) -> Reply:
    """200 `ok` when every ledger answers a read; 503 `unavailable` (with the others) otherwise."""
    summaries: list[LedgerSummary] = []
    healthy = True
    for host in call.gateway.hosts.values():
        try:
            summaries.append(await call.gateway.summary(host))
        except NodeUnavailableError:
            healthy = False
    if healthy:
        return Reply(Health(OK, summaries))
    return Reply(Health(UNAVAILABLE, summaries), 503)


async def metrics(call: Call) -> Response:
    gauges = []
    for key, host in call.gateway.hosts.items():
        height: int | None
        try:
            height = await call.gateway.read(host, lambda ledger: ledger.height)
        except NodeUnavailableError:
            height = None
        gauges.append(LedgerGauges(key, height, len(host.mempool)))
    return Response(call.gateway.metrics.render(gauges), media_type=CONTENT_TYPE)


def health_endpoints() -> list[Endpoint]:
    found = []
    for prefix in ("", API_PREFIX):
        found.append(
            Endpoint(
                "GET",
                f"{prefix}/health",
                health,
                "Whether every ledger answers, with a summary of each",
                Health,
                errors=(503,),
            )
        )
        found.append(
            Endpoint(
                "GET",
                f"{prefix}/metrics",
                metrics,
                "Prometheus metrics (text exposition format 0.0.4)",
                media_type=CONTENT_TYPE,
            )
        )
    return found


def document_endpoints(
    document: Callable[[], dict[str, Any]], page: Callable[[], str]
) -> list[Endpoint]:
    """/openapi.json and /docs (also under /api/v1), serving documents built once on first use."""

    async def openapi(call: Call) -> Response:
        return Response(_json(document()), media_type="application/json")

    async def docs(call: Call) -> Response:
        return HTMLResponse(page())

    found = []
    for prefix in ("", API_PREFIX):
        found.append(
            Endpoint(
                "GET",
                f"{prefix}/openapi.json",
                openapi,
                "This OpenAPI 3.1 document",
                media_type="application/json",
            )
        )
        found.append(
            Endpoint(
                "GET", f"{prefix}/docs", docs, "This API as a readable page", media_type="text/html"
            )
        )
    return found


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=1).encode()


def explorer_endpoints() -> list[Endpoint]:
    """The explorer's page and assets at /, if the `jadechain.explorer` package is installed."""
    try:
        from jadechain import explorer
    except ImportError:
        return []
    found = []
    for path, name in (("/", "index.html"), *((f"/{n}", n) for n in explorer.ASSETS)):
        if path == "/index.html":
            continue
        data, media_type = explorer.asset(name)

        async def serve(call: Call, data: bytes = data, media_type: str = media_type) -> Response:
            return Response(data, media_type=media_type)

        found.append(
            Endpoint(
                "GET", path, serve, f"explorer: {name}", media_type=media_type, documented=False
            )
        )
    return found
