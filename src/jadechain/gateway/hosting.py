"""Serving ledger hosts behind the gateway: hosts start and stop with the ASGI lifespan.

uvicorn runs the lifespan's shutdown before it returns from serving, also on SIGTERM or Ctrl-C
(after which it re-raises the signal), so stopping the hosts and closing their stores here is the
one place that runs on every clean exit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from jadechain.node.host import LedgerHost


class Service(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class HostedApp:
    """An ASGI app that starts `hosts`, then `services` (e.g. their p2p links), on lifespan
    startup, and stops them in reverse order on shutdown (then calls `on_stopped`)."""

    def __init__(
        self,
        app: ASGIApp,
        hosts: Sequence[LedgerHost],
        on_stopped: Callable[[], None] | None = None,
        services: Sequence[Service] = (),
    ) -> None:
        self.app = app
        self.services: list[Service] = [*hosts, *services]
        self.on_stopped = on_stopped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for service in self.services:
                        await service.start()
                except OSError as error:  # e.g. the p2p port is taken
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for service in reversed(self.services):
                    await service.stop()
                if self.on_stopped is not None:
                    self.on_stopped()
                await send({"type": "lifespan.shutdown.complete"})
                return
