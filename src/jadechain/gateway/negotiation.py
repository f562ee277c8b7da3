"""Content negotiation: JSON by default, canonical MessagePack on request, bounded bodies.

- Requests: `Content-Type: application/msgpack` (or `application/x-msgpack`,
  `application/vnd.msgpack`) bodies decode with `codec.decode`; `application/json`, any
  `+json` type, or no Content-Type at all decode as JSON with `codec.from_json`; anything else
  is 415. A body is read chunk by chunk and refused with 413 as soon as it passes the limit,
  whatever Content-Length claimed.
- Responses: MessagePack (`codec.encode`) when `Accept` prefers it to JSON, otherwise the JSON
  view (`codec.to_json`). Error bodies (`Problem`) follow the same choice.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from jadechain import codec
from jadechain.api import MSGPACK
from jadechain.gateway.errors import ApiError, bad_request, shorten, too_large

T = TypeVar("T")
Format = Literal["json", "msgpack"]

JSON = "application/json"
MSGPACK_TYPES = frozenset({MSGPACK, "application/x-msgpack", "application/vnd.msgpack"})
ACCEPT_CHARS_MAX = 1024  # longer Accept headers are read only this far


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def request_format(request: Request) -> Format:
    """The format of the request body, from Content-Type; 415 for one we do not read."""
    content_type = request.headers.get("content-type")
    if content_type is None:
        return "json"
    media_type = _media_type(content_type)
    if media_type in MSGPACK_TYPES:
        return "msgpack"
    if media_type in ("", JSON) or media_type.endswith("+json"):
        return "json"
    raise ApiError(
        415,
        f"unsupported Content-Type {shorten(content_type)!r}: send {JSON} or {MSGPACK}",
    )


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def response_format(accept: str | None) -> Format:
    """MessagePack when `accept` ranks it above JSON; JSON otherwise (also when neither fits)."""
    if not accept:
        return "json"
    # For each format: (specificity, quality) of the most specific media range that matches it.
    best: dict[Format, tuple[int, float]] = {"json": (-1, 0.0), "msgpack": (-1, 0.0)}
    for item in accept[:ACCEPT_CHARS_MAX].split(","):
        media_range, *parameters = item.split(";")
        media_range = media_range.strip().lower()
        quality = _quality(parameters)
        candidates: tuple[tuple[Format, frozenset[str]], ...] = (
            ("json", frozenset({JSON})),
            ("msgpack", MSGPACK_TYPES),
        )
        for fmt, types in candidates:
            if media_range in types:
                specificity = 2
            elif media_range in ("application/*", "*/*"):
                specificity = 1 if media_range == "application/*" else 0
            else:
                continue
            if specificity > best[fmt][0]:
                best[fmt] = (specificity, quality)
    json_quality, msgpack_quality = best["json"][1], best["msgpack"][1]
    return "msgpack" if msgpack_quality > json_quality else "json"


async def read_body(request: Request, bytes_max: int) -> bytes:
    """The request body, refused with 413 once more than `bytes_max` bytes have arrived."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise bad_request(f"Content-Length is not a number: {shorten(declared)!r}")
        if int(declared) > bytes_max:
            raise too_large(f"request body of {int(declared)} bytes exceeds {bytes_max} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > bytes_max:
                raise too_large(f"request body exceeds {bytes_max} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise bad_request("the client disconnected while sending the body") from None
    return b"".join(chunks)


def decode_body(data: bytes, fmt: Format, type_: type[T]) -> T:
    """`data` decoded as `type_`; 400 naming the bad field (CodecError messages carry its path)."""
    if not data:
        raise bad_request("the request body is empty")
    try:
        if fmt == "msgpack":
            return codec.decode(data, type_)
        return codec.from_json(data, type_)
    except codec.CodecError as error:
        raise bad_request(str(error)) from None


def render(
    request: Request, body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """`body` (a record, or a list of records) in the format the client asked for."""
    fmt = response_format(request.headers.get("accept"))
    all_headers = {"Vary": "Accept", **(headers or {})}
    if fmt == "msgpack":
        return Response(codec.encode(body), status, all_headers, media_type=MSGPACK)
    return Response(codec.to_json(body), status, all_headers, media_type=JSON)


def render_error(request: Request, error: ApiError) -> Response:
    return render(request, error.problem(), error.status, error.headers)
