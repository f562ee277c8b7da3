"""The REST gateway: `create_app(hosts)` builds the ASGI app that fronts hosted ledgers."""

from jadechain.gateway.app import create_app

__all__ = ["create_app"]
