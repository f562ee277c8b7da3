"""The errors the SDK raises besides `ValueError` for bad arguments."""

from __future__ import annotations


class JadechainError(Exception):
    """An error answer from a gateway: its HTTP status, a stable machine code and a message.

    `code` is the `Problem.code` of the answer (e.g. "not_found", "bad_signature"); answers that
    are not Problem bodies get "http_error", and bodies the SDK cannot decode "bad_response".
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class GatewayUnreachableError(JadechainError):
    """No answer at all: the gateway could not be reached, or it timed out (status 0)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(0, "unreachable", f"cannot reach the gateway at {url}: {reason}")
        self.url = url


class ProofError(Exception):
    """A proof or certificate from a gateway that does not verify against the trusted keys."""
