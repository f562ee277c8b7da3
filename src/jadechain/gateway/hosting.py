"""Serving ledger hosts behind the gateway: hosts start and stop with the ASGI lifespan.

uvicorn runs the lifespan's shutdown before it returns from serving, also on SIGTERM or Ctrl-C
(after which it re-raises the signal), so stopping the hosts and closing their stores here is the
one place that runs on every clean exit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from jadechain.node.host import LedgerHost


class HostedApp:
    """An ASGI app that starts `hosts` on lifespan startup and stops them (then `on_stopped`)."""

    def __init__(
        self,
        app: ASGIApp,
        hosts: Sequence[LedgerHost],
        on_stopped: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.hosts = list(hosts)
        self.on_stopped = on_stopped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for host in self.hosts:
                    await host.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for host in self.hosts:
                    await host.stop()
                if self.on_stopped is not None:
                    self.on_stopped()
                await send({"type": "lifespan.shutdown.complete"})
                return
