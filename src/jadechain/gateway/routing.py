"""Routes as data (`Endpoint`), matched on the raw path, with every failure turned into a Problem.

- `Endpoint` describes one route: method, path template, handler, parameters, body and response
  types. The Starlette routes *and* the OpenAPI document are both built from these.
- `RawPathRoute` matches the still-percent-encoded path and decodes each parameter afterwards, so
  an entry key or topic holding '/' (sent as %2F) stays one parameter instead of changing which
  route matches.
- The endpoint wrapper maps `ApiError` to its status, `NodeUnavailableError` to 503 and any other
  exception to a logged 500; `ErrorMiddleware` is the last resort for anything raised outside a
  handler. A failing request never takes the server down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jadechain import codec
from jadechain.api import Problem
from jadechain.gateway.context import Call, Gateway, Reply
from jadechain.gateway.errors import INTERNAL_ERROR, ApiError
from jadechain.gateway.negotiation import render, render_error
from jadechain.gateway.params import Param
from jadechain.node.host import NodeUnavailableError

log = logging.getLogger(__name__)

Handler = Callable[[Call], Awaitable[object]]


@dataclass(frozen=True)
class Endpoint:
    """One route. `response`/`body` are the types whose schemas document it (None: not a record);
    `errors` are the statuses it may answer with besides 200, all with a Problem body except a
    400 that may instead carry a `rejection` record (POST /txs answers a rejected SubmitResult)."""

    method: str
    path: str  # full template, e.g. "/api/v1/ledgers/{ledger}"
    handler: Handler
    summary: str
    response: Any = None
    body: Any = None
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    media_type: str | None = None  # for non-record responses (text, HTML)
    documented: bool = True  # listed in the OpenAPI document
    rejection: Any = None


def _route_path(scope: Scope) -> str:
    """The percent-encoded path below the app's root path (query string excluded)."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(scope["path"])
    path = path.split("?", 1)[0]
    root = quote(scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    return path


class RawPathRoute(Route):
    """A Route matched against the raw path; parameters are URL-decoded after matching."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        match = self.path_regex.match(_route_path(scope))
        if match is None:
            return Match.NONE, {}
        params = {
            name: unquote(value, errors="surrogateescape")
            for name, value in match.groupdict().items()
        }
        child_scope = {"endpoint": self.endpoint, "path_params": params}
        if self.methods and scope["method"] not in self.methods:
            return Match.PARTIAL, child_scope
        return Match.FULL, child_scope


def to_route(endpoint: Endpoint, gateway: Gateway) -> Route:
    handler = endpoint.handler

    async def answer(request: Request) -> Response:
        call = Call(request, gateway)
        try:
            result = await handler(call)
        except ApiError as error:
            return render_error(request, error)
        except NodeUnavailableError as unavailable:
            message = f"the ledger is unavailable: {unavailable}"
            return render_error(request, ApiError(503, message))
        except Exception:
            log.exception("%s %s failed", request.method, endpoint.path)
            message = "internal error while answering the request (see the gateway's log)"
            return render_error(request, ApiError(500, message))
        if isinstance(result, Response):
            return result
        if isinstance(result, Reply):
            return render(request, result.body, result.status)
        return render(request, result)

    return RawPathRoute(endpoint.path, answer, methods=[endpoint.method], name=endpoint.path)


async def http_exception(request: Request, exc: Exception) -> Response:
    """Routing's own errors (no route: 404, wrong method: 405) as Problem bodies."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        message = f"no route {request.method} {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return render_error(request, ApiError(status, message, headers=exc.headers))


class ErrorMiddleware:
    """Answers 500 with a Problem for an exception raised outside any handler, and logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            if started:
                return  # too late for another answer: the server closes the connection
            problem = Problem(500, INTERNAL_ERROR, "internal error (see the gateway's log)")
            body = codec.to_json(problem)
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


__all__ = ["Endpoint", "ErrorMiddleware", "RawPathRoute", "http_exception", "to_route"]
