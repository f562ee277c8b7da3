"""The REST calls, described once: path, query, body and how to read the answer.

`Client` and `AsyncClient` only execute these descriptions over their httpx transports, so the
routes, the encodings (JSON or msgpack) and the error mapping live in this one module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import quote

from jadechain import api, codec
from jadechain.crypto import Digest, PublicKey
from jadechain.ledger import model as m
from jadechain.ledger.values import Value
from jadechain.sdk.builder import ledger_digest
from jadechain.sdk.errors import JadechainError, ProofError
from jadechain.sdk.verify import verify_entry

if TYPE_CHECKING:
    from jadechain.ledger.proofs import EntryProof, TransactionProof

T = TypeVar("T")
LedgerRef = Digest | str
"""A ledger id: a `Digest` or its Base58 text."""
HashRef = Digest | str
JSON = "application/json"
BODY_PREVIEW_CHARS = 200


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request, and the type its answer decodes to."""

    method: str
    path: str  # below the API prefix, already percent-encoded
    result: Any  # the type to decode a 2xx body as (T, spelled as a runtime type)
    params: Mapping[str, str] = field(default_factory=dict)
    body: object = None  # a record (or list of records) to send; None: no body
    none_on_404: bool = False  # T includes None, answered for a 404
    result_on_400: bool = False  # a 400 may carry the result (a rejected submission)

    def content(self, binary: bool) -> bytes | None:
        if self.body is None:
            return None
        return codec.encode(self.body) if binary else codec.to_json(self.body)

    def answer(self, status: int, content_type: str, body: bytes) -> T:
        """The decoded answer, or JadechainError for a non-2xx status or an undecodable body."""
        binary = content_type.partition(";")[0].strip().lower() == api.MSGPACK
        if status == 404 and self.none_on_404:
            return cast(T, None)
        if status == 400 and self.result_on_400:
            try:
                return self._decode(body, binary)
            except codec.CodecError:
                pass  # not the result: a Problem
        if not 200 <= status < 300:  # redirects are not followed: an unexpected answer
            raise _problem(status, binary, body)
        try:
            return self._decode(body, binary)
        except codec.CodecError as error:
            raise JadechainError(status, "bad_response", str(error)) from None

    def _decode(self, body: bytes, binary: bool) -> T:
        if binary:
            return cast(T, codec.decode(body, self.result))
        return cast(T, codec.from_json(body, self.result))


def headers(binary: bool, has_body: bool) -> dict[str, str]:
    kind = api.MSGPACK if binary else JSON
    return {"Accept": kind, "Content-Type": kind} if has_body else {"Accept": kind}


def _problem(status: int, binary: bool, body: bytes) -> JadechainError:
    try:
        decode = codec.decode if binary else codec.from_json
        problem = decode(body, api.Problem)
        return JadechainError(status, problem.code, problem.message)
    except codec.CodecError:
        text = body[:BODY_PREVIEW_CHARS].decode("utf-8", "replace").strip()
        return JadechainError(status, "http_error", text or f"HTTP status {status}")


# --- path pieces ---------------------------------------------------------------------------------


def _segment(text: str, what: str) -> str:
    """One path segment, percent-encoded ('/' too); "." and ".." as %2E, which URL
    normalisation would otherwise resolve (a key ".." must not address the parent route)."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"{what} must be non-empty text")
    if text in {".", ".."}:
        return text.replace(".", "%2E")
    return quote(text, safe="")


def _ledger(ledger: LedgerRef) -> str:
    return "/ledgers/" + ledger_digest(ledger).to_base58()


def _hash(value: HashRef) -> str:
    if isinstance(value, Digest):
        return value.to_base58()
    try:
        return Digest.from_base58(value).to_base58()
    except ValueError as error:
        raise ValueError(f"not a transaction hash: {str(value)[:80]!r} ({error})") from None


def _count(value: int, what: str, minimum: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}, got {value!r}")
    return str(value)


def _entry_path(ledger: LedgerRef, address: str, key: str) -> str:
    account = _segment(address, "address")
    return f"{_ledger(ledger)}/accounts/{account}/entries/{_segment(key, 'key')}"


def _as_of(version: int | None, height: int | None) -> dict[str, str]:
    params = {}
    if version is not None:
        params["version"] = _count(version, "version")
    if height is not None:
        params["height"] = _count(height, "height")
    return params


# --- the calls -----------------------------------------------------------------------------------


def ledgers() -> Call[list[api.LedgerSummary]]:
    return Call("GET", "/ledgers", list[api.LedgerSummary])


def ledger(ledger: LedgerRef) -> Call[api.LedgerInfo]:
    return Call("GET", _ledger(ledger), api.LedgerInfo)


def latest_block(ledger: LedgerRef) -> Call[api.BlockView]:
    return Call("GET", f"{_ledger(ledger)}/blocks/latest", api.BlockView)


def block(ledger: LedgerRef, height: int) -> Call[api.BlockView]:
    return Call("GET", f"{_ledger(ledger)}/blocks/{_count(height, 'height')}", api.BlockView)


def block_transactions(ledger: LedgerRef, height: int) -> Call[list[api.TransactionView]]:
    path = f"{_ledger(ledger)}/blocks/{_count(height, 'height')}/txs"
    return Call("GET", path, list[api.TransactionView])


def certificate(ledger: LedgerRef, height: int) -> Call[m.BlockCertificate]:
    path = f"{_ledger(ledger)}/blocks/{_count(height, 'height')}/certificate"
    return Call("GET", path, m.BlockCertificate)


def _wait(wait: bool) -> dict[str, str]:
    return {} if wait else {"wait": "false"}


def submit(ledger: LedgerRef, tx: m.SignedTransaction, wait: bool = True) -> Call[api.SubmitResult]:
    if not isinstance(tx, m.SignedTransaction):
        raise ValueError(f"submit takes a SignedTransaction, not {type(tx).__name__}")
    path = f"{_ledger(ledger)}/txs"
    return Call("POST", path, api.SubmitResult, _wait(wait), tx, result_on_400=True)


def submit_batch(
    ledger: LedgerRef, txs: Sequence[m.SignedTransaction], wait: bool = True
) -> Call[list[api.SubmitResult]]:
    batch = list(txs)
    if not batch or not all(isinstance(tx, m.SignedTransaction) for tx in batch):
        raise ValueError("submit_batch takes a non-empty list of SignedTransaction")
    path = f"{_ledger(ledger)}/txs/batch"
    return Call("POST", path, list[api.SubmitResult], _wait(wait), batch)


def transaction(ledger: LedgerRef, tx_hash: HashRef) -> Call[api.TransactionView]:
    return Call("GET", f"{_ledger(ledger)}/txs/{_hash(tx_hash)}", api.TransactionView)


def transaction_proof(ledger: LedgerRef, tx_hash: HashRef) -> Call[TransactionProof]:
    from jadechain.ledger.proofs import TransactionProof

    return Call("GET", f"{_ledger(ledger)}/txs/{_hash(tx_hash)}/proof", TransactionProof)


def user(ledger: LedgerRef, address: str) -> Call[api.UserView]:
    return Call("GET", f"{_ledger(ledger)}/users/{_segment(address, 'address')}", api.UserView)


def account(ledger: LedgerRef, address: str) -> Call[api.AccountView]:
    path = f"{_ledger(ledger)}/accounts/{_segment(address, 'address')}"
    return Call("GET", path, api.AccountView)


def entries(
    ledger: LedgerRef, address: str, prefix: str = "", limit: int = 100
) -> Call[list[api.EntryView]]:
    if not isinstance(prefix, str):
        raise ValueError("prefix must be text")
    path = f"{_ledger(ledger)}/accounts/{_segment(address, 'address')}/entries"
    params = {"prefix": prefix, "limit": _count(limit, "limit", 1)}
    return Call("GET", path, list[api.EntryView], params)


def entry(
    ledger: LedgerRef,
    address: str,
    key: str,
    version: int | None = None,
    height: int | None = None,
) -> Call[api.EntryView | None]:
    path = _entry_path(ledger, address, key)
    return Call("GET", path, api.EntryView, _as_of(version, height), none_on_404=True)


def history(
    ledger: LedgerRef, address: str, key: str, from_version: int = 0, limit: int = 100
) -> Call[list[api.EntryView]]:
    params = {"from": _count(from_version, "from_version"), "limit": _count(limit, "limit", 1)}
    path = _entry_path(ledger, address, key) + "/history"
    return Call("GET", path, list[api.EntryView], params)


def entry_proof(
    ledger: LedgerRef,
    address: str,
    key: str,
    version: int | None = None,
    height: int | None = None,
) -> Call[EntryProof]:
    from jadechain.ledger.proofs import EntryProof

    path = _entry_path(ledger, address, key) + "/proof"
    return Call("GET", path, EntryProof, _as_of(version, height))


def contract(ledger: LedgerRef, address: str) -> Call[api.ContractView]:
    path = f"{_ledger(ledger)}/contracts/{_segment(address, 'address')}"
    return Call("GET", path, api.ContractView)


def events(
    ledger: LedgerRef, account: str, topic: str, from_sequence: int = 0, limit: int = 100
) -> Call[list[api.EventView]]:
    path = f"{_ledger(ledger)}/events/{_segment(account, 'account')}/{_segment(topic, 'topic')}"
    params = {"from": _count(from_sequence, "from_sequence"), "limit": _count(limit, "limit", 1)}
    return Call("GET", path, list[api.EventView], params)


def role(ledger: LedgerRef, name: str) -> Call[api.RoleView]:
    return Call("GET", f"{_ledger(ledger)}/roles/{_segment(name, 'role name')}", api.RoleView)


def health() -> Call[api.Health]:
    return Call("GET", "/health", api.Health)


# --- verified reads ------------------------------------------------------------------------------


def checked_entry(
    proof: EntryProof,
    certificate: m.BlockCertificate,
    ledger: LedgerRef,
    address: str,
    key: str,
    trusted: Sequence[PublicKey],
    quorum: int,
) -> tuple[int, Value | None]:
    """(version, value) from a proof of the asked key, certified by the trusted quorum.

    ProofError when the proof is for another ledger, account or key, or does not verify.
    Version -1 with value None: the key is proved absent as of the proof's block.
    """
    if (proof.address, proof.key) != (address, key):
        raise ProofError(f"the gateway proved {proof.key!r} of {proof.address}, not the key asked")
    if not verify_entry(proof, certificate, trusted, quorum, ledger=ledger_digest(ledger)):
        raise ProofError(
            f"the proof of {key!r} in {address} at height {proof.header.height} does not verify "
            f"with a quorum of {quorum} trusted participant(s)"
        )
    return proof.version, proof.value


def bft_quorum(trusted: Sequence[PublicKey]) -> int:
    """n - f of n participants, f = (n - 1) // 3: any two such sets share an honest one."""
    n = len(set(trusted))
    return max(1, n - (n - 1) // 3)


def proof_height(proof: EntryProof) -> int:
    """The height whose certificate the client fetches to check `proof`."""
    height = proof.header.height
    if height < 0:
        raise ProofError(f"the proof names no valid block height: {height!r}")
    return height
