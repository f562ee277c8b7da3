"""Path and query parameters: one definition per parameter, used both to parse a request (with a
clear 400 naming the parameter) and to describe the route in the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request

from jadechain.crypto import CryptoError, Digest, is_address
from jadechain.gateway.errors import bad_request, shorten
from jadechain.ledger.model import KEY_BYTES_MAX
from jadechain.ledger.queries import QUERY_LIMIT_MAX
from jadechain.ledger.values import INT64_MAX

Where = Literal["path", "query"]
Kind = Literal["integer", "string", "boolean"]
LIMIT_DEFAULT = 100
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class Param:
    """A named parameter of a route; `schema()` is its OpenAPI description."""

    name: str
    where: Where
    description: str
    kind: Kind = "string"
    minimum: int | None = None
    maximum: int | None = None
    default: int | bool | None = None
    format: str | None = None  # OpenAPI `format`, e.g. "base58"

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.kind}
        for key, value in (
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("default", self.default),
            ("format", self.format),
        ):
            if value is not None:
                schema[key] = value
        return schema

    def raw(self, request: Request) -> str | None:
        if self.where == "path":
            value: str = request.path_params[self.name]
            return value
        return request.query_params.get(self.name)

    # --- typed readers ------------------------------------------------------------------------

    def text(self, request: Request) -> str | None:
        """The value as text: valid UTF-8, no NUL, at most KEY_BYTES_MAX bytes."""
        value = self.raw(request)
        if value is None:
            return None
        try:
            size = len(value.encode())
        except UnicodeEncodeError:
            raise bad_request(f"{self.name} is not valid UTF-8 once URL-decoded") from None
        if "\x00" in value:
            raise bad_request(f"{self.name} may not contain the NUL character")
        if size > KEY_BYTES_MAX:
            raise bad_request(f"{self.name} is {size} bytes, more than {KEY_BYTES_MAX}")
        return value

    def required_text(self, request: Request) -> str:
        value = self.text(request)
        if value is None or value == "":
            raise bad_request(f"{self.name} is required")
        return value

    def integer(self, request: Request) -> int | None:
        """The value as an integer in [minimum, maximum], or the default when absent."""
        value = self.raw(request)
        if value is None or value == "":
            return self.default if isinstance(self.default, int) else None
        return self.parse_integer(value)

    def required_integer(self, request: Request) -> int:
        value = self.integer(request)
        if value is None:
            raise bad_request(f"{self.name} is required")
        return value

    def parse_integer(self, value: str) -> int:
        negative = value.startswith("-")
        digits = value[1:] if negative else value
        if not (digits.isascii() and digits.isdigit()):
            raise bad_request(f"{self.name} must be an integer, got {shorten(value)!r}")
        if len(digits) > 19:  # beyond int64 whatever the digits: do not convert huge strings
            raise bad_request(f"{self.name} is too large: {shorten(value)}")
        number = -int(digits) if negative else int(digits)
        low = self.minimum if self.minimum is not None else -INT64_MAX - 1
        high = self.maximum if self.maximum is not None else INT64_MAX
        if number < low:
            raise bad_request(f"{self.name} must be at least {low}, got {number}")
        if number > high:
            raise bad_request(f"{self.name} must be at most {high}, got {number}")
        return number

    def boolean(self, request: Request) -> bool:
        value = self.raw(request)
        if value is None or value == "":
            return bool(self.default)
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise bad_request(f"{self.name} must be true or false, got {shorten(value)!r}")

    def digest(self, request: Request) -> Digest:
        """The value as a Base58 digest (ledger ids, block and transaction hashes)."""
        value = self.required_text(request)
        try:
            return Digest.from_base58(value)
        except (CryptoError, ValueError) as error:
            message = f"{self.name} is not a Base58 digest ({error}): {shorten(value)!r}"
            raise bad_request(message) from None

    def address(self, request: Request) -> str:
        value = self.required_text(request)
        if not is_address(value):
            raise bad_request(f"{self.name} is not a valid jadechain address: {shorten(value)!r}")
        return value


def _path(name: str, description: str, **schema: Any) -> Param:
    return Param(name, "path", description, **schema)


def _query(name: str, description: str, **schema: Any) -> Param:
    return Param(name, "query", description, **schema)


_HEIGHT = {"kind": "integer", "minimum": 0, "maximum": INT64_MAX}

LEDGER = _path("ledger", "Ledger id (Base58 of the genesis block hash)", format="base58")
HEIGHT = _path("height", "Block height (0 is the genesis block)", **_HEIGHT)
TX_HASH = _path("hash", "Transaction hash (Base58)", format="base58")
ADDRESS = _path("address", "Account or user address (Base58Check)")
KEY = _path("key", "Entry key (URL-encoded; may contain '/' as %2F)")
ACCOUNT = _path("account", "Event account address (Base58Check)")
TOPIC = _path("topic", "Event topic (URL-encoded)")
ROLE = _path("name", "Role name (case-insensitive)")

WAIT = _query(
    "wait",
    "Wait for the block that commits the transaction (false: answer once it is queued)",
    kind="boolean",
    default=True,
)
LIMIT = _query(
    "limit",
    "Largest number of items returned",
    kind="integer",
    minimum=1,
    maximum=QUERY_LIMIT_MAX,
    default=LIMIT_DEFAULT,
)
PREFIX = _query("prefix", "Only keys that start with this text")
VERSION = _query("version", "Entry version (default: the latest)", kind="integer", minimum=0)
AT_HEIGHT = _query("height", "Read the state as of this block (default: the head)", **_HEIGHT)
FROM_VERSION = _query("from", "First version listed", kind="integer", minimum=0, default=0)
FROM_HEIGHT = _query("from", "First block height sent", kind="integer", minimum=0, default=0)
FROM_SEQUENCE = _query("from", "First sequence listed", kind="integer", minimum=0, default=0)
