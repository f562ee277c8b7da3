"""Errors a handler raises to answer with a `Problem` body, and the codes they carry.

A handler never builds an error response itself: it raises `ApiError` (or one of the helpers
below), and the endpoint wrapper in `routing.py` turns it into a negotiated `Problem` answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from jadechain.api import Problem

BAD_REQUEST = "bad_request"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
PAYLOAD_TOO_LARGE = "payload_too_large"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
UNAVAILABLE = "unavailable"
INTERNAL_ERROR = "internal_error"

_CODES_BY_STATUS = {
    400: BAD_REQUEST,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    503: UNAVAILABLE,
}


def code_for(status: int) -> str:
    """The Problem code of an HTTP status (`internal_error` for any status not listed)."""
    return _CODES_BY_STATUS.get(status, INTERNAL_ERROR if status >= 500 else BAD_REQUEST)


class ApiError(Exception):
    """An answer with a 4xx/5xx status and a `Problem` body."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or code_for(status)
        self.message = message
        self.headers = dict(headers or {})

    def problem(self) -> Problem:
        return Problem(self.status, self.code, self.message)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def too_large(message: str) -> ApiError:
    return ApiError(413, message)


def shorten(text: str, chars_max: int = 80) -> str:
    """`text` cut for quoting in a message (clients can send very long path segments)."""
    return text if len(text) <= chars_max else text[: chars_max - 1] + "…"
