"""The gateway's REST app (DESIGN §9): every route of `jadechain.api` under /api/v1, plus
/health, /metrics, /openapi.json, /docs and the explorer at /.

Conventions (see `routes_tx` for transaction intake):
- bodies are the JSON view of the `jadechain.api` / ledger records, or their canonical MessagePack
  with `Accept`/`Content-Type: application/msgpack` (`negotiation`);
- every error is a `Problem` body: 400 malformed input (the message names the parameter or the
  field), 404 unknown ledger/route/record, 405 wrong method, 413 body or batch too large, 415
  unsupported Content-Type, 503 ledger stopped, 500 anything unexpected (logged, and the server
  keeps serving).

The app binds nothing and starts no ledger: whoever serves it (uvicorn) starts and stops the
`LedgerHost`s it is given.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from jadechain.crypto import KeyPair
from jadechain.gateway import (
    openapi,
    routes_events,
    routes_ledger,
    routes_state,
    routes_stream,
    routes_tx,
)
from jadechain.gateway.context import Gateway
from jadechain.gateway.metrics import MetricsMiddleware
from jadechain.gateway.routes_system import (
    document_endpoints,
    explorer_endpoints,
    health_endpoints,
)
from jadechain.gateway.routing import Endpoint, ErrorMiddleware, http_exception, to_route
from jadechain.node.host import LedgerHost

BODY_BYTES_MAX = 16 * 1024 * 1024
BATCH_TRANSACTIONS_MAX = 10_000


def api_endpoints() -> list[Endpoint]:
    """The routes of `jadechain.api`, in matching order (fixed segments before parameters)."""
    return [
        *routes_stream.ENDPOINTS,  # before /blocks/{height}: "stream" is not a height
        *routes_events.ENDPOINTS,  # /events/stream (one segment) beside /events/{account}/{topic}
        *routes_ledger.ENDPOINTS,
        *routes_tx.ENDPOINTS,
        *routes_state.ENDPOINTS,
    ]


def create_app(
    hosts: Sequence[LedgerHost],
    *,
    node_key: KeyPair | None = None,
    body_bytes_max: int = BODY_BYTES_MAX,
    batch_transactions_max: int = BATCH_TRANSACTIONS_MAX,
) -> Starlette:
    gateway = Gateway(hosts, node_key, body_bytes_max, batch_transactions_max)
    endpoints: list[Endpoint] = [*api_endpoints(), *health_endpoints()]

    @functools.cache
    def document() -> dict[str, Any]:
        return openapi.build(endpoints)

    @functools.cache
    def page() -> str:
        return openapi.docs_page(document())

    endpoints += [*document_endpoints(document, page), *explorer_endpoints()]
    app = Starlette(
        routes=[to_route(endpoint, gateway) for endpoint in endpoints],
        middleware=[
            Middleware(MetricsMiddleware, metrics=gateway.metrics),
            Middleware(ErrorMiddleware),
        ],
        exception_handlers={HTTPException: http_exception},
    )
    app.router.redirect_slashes = False  # a trailing slash is another (unknown) route
    app.state.gateway = gateway
    return app
