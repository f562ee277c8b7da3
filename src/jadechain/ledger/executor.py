"""The state transition: a batch of signed transactions and a block time become the next block.

`apply_block` is the readable reference (execution-specs style); a faster path, if one is ever
needed, is tested against it. It is deterministic: same state, transactions and time -> same block.

A transaction is *rejected* (left out of the block, with a reason) when it names another ledger,
carries a bad or missing signature, repeats a known transaction hash, or has a time outside the
window around the block time. Otherwise it is *recorded*: executed operation by operation; if one
fails, its changes are rolled back and it is recorded with the failure's code.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jadechain import codec
from jadechain.crypto import Algorithm, Digest, address_of, algorithm_from_name, verify
from jadechain.ledger import model as m
from jadechain.ledger.listroot import hasher_for, list_root
from jadechain.ledger.operations import HANDLERS, Context, ContractRuntime, OperationFailed
from jadechain.ledger.security import UserRecord, allows
from jadechain.ledger.state import LedgerSettings, State
from jadechain.ledger.values import Value
from jadechain.storage import WriteBatch

Hasher = Callable[[bytes], bytes]
log = logging.getLogger(__name__)
# Errors that bad input can raise, the same way on every node, where a check is missing; they fail
# the transaction. Others (MemoryError, RecursionError: they depend on the machine) still stop the
# block, and the node halts rather than risk deciding differently from its peers.
INPUT_ERRORS = (ValueError, TypeError, KeyError, IndexError, ArithmeticError, UnicodeError)


@dataclass
class BlockOutcome:
    """A block built on top of the current head, and what must be stored with it."""

    block: m.Block
    block_hash: Digest
    writes: WriteBatch  # state tree nodes and values; the store adds the block's own records
    rejected: list[tuple[m.SignedTransaction, str]] = field(default_factory=list)


@dataclass
class Chain:
    """What the executor needs to know about the ledger it extends."""

    ledger_id: Digest
    head: m.BlockHeader
    head_hash: Digest
    is_known: Callable[[bytes], bool]  # whether a tx hash (raw) is already on the ledger
    contract_runtime: ContractRuntime | None = None


@functools.lru_cache(maxsize=16)
def _accepted_algorithms(names: tuple[str, ...]) -> frozenset[Algorithm]:
    return frozenset(algorithm_from_name(name) for name in names)


def _accepted(settings: LedgerSettings) -> frozenset[Algorithm]:
    return _accepted_algorithms(tuple(settings.accepted_signature_algorithms))


def _reject_reason(
    chain: Chain,
    settings: LedgerSettings,
    tx: m.SignedTransaction,
    tx_hash: Digest,
    time_ms: int,
    verified: bool,
) -> str | None:
    content = tx.content
    if content.ledger != chain.ledger_id:
        return "transaction is for another ledger"
    if not content.operations or len(content.operations) > m.OPERATIONS_PER_TX_MAX:
        return f"a transaction has 1-{m.OPERATIONS_PER_TX_MAX} operations"
    if len(content.nonce) > m.NONCE_BYTES_MAX:
        return f"nonce longer than {m.NONCE_BYTES_MAX} bytes"
    if abs(content.time_ms - time_ms) > settings.time_window_ms:
        return f"transaction time is more than {settings.time_window_ms} ms from the block time"
    if not tx.endpoint_signatures:
        return "no endpoint signature"
    if chain.is_known(tx_hash.raw):
        return "duplicate transaction"
    accepted = _accepted(settings)
    message = tx_hash.to_bytes()
    for entry in (*tx.endpoint_signatures, *tx.node_signatures):
        if entry.public_key.algorithm not in accepted:
            return f"{entry.public_key.algorithm.info.name} signatures are not accepted"
        if not verified and not verify(entry.public_key, message, entry.signature):
            return "bad signature"
    return None


def _signers(state: State, tx: m.SignedTransaction) -> list[tuple[str, UserRecord]]:
    """Endpoint signers as users; OperationFailed when one is unknown, frozen or revoked."""
    signers = []
    for entry in tx.endpoint_signatures:
        address = address_of(entry.public_key)
        user = state.user(address)
        if user is None:
            raise OperationFailed(m.TxCode.PERMISSION_DENIED, f"signer {address} is not a user")
        if user.state is not m.UserState.NORMAL:
            raise OperationFailed(m.TxCode.PERMISSION_DENIED, f"signer {address} is {user.state}")
        signers.append((address, user))
    return signers


def _check_node_signers(context: Context, tx: m.SignedTransaction) -> None:
    """Each node (gateway) signer must be a participant or a user allowed to approve."""
    for entry in tx.node_signatures:
        address = address_of(entry.public_key)
        participant = context.state.participant(address)
        if participant is not None and participant.state is not m.ParticipantState.DEACTIVATED:
            continue
        user = context.state.user(address)
        approve = m.LedgerPermission.APPROVE_TX
        if user is None or not allows(user, context.roles_of(user), approve):
            raise OperationFailed(m.TxCode.PERMISSION_DENIED, f"node {address} may not approve")


def execute_transaction(context: Context, tx: m.SignedTransaction) -> list[Value | None]:
    """Run every operation; return their results. Raises OperationFailed on the first failure."""
    _check_node_signers(context, tx)
    results: list[Value | None] = []
    for operation in tx.content.operations:
        if isinstance(operation, m.InvokeContract):
            context.require(m.TransactionPermission.CONTRACT_OPERATION)
        else:
            context.require(m.TransactionPermission.DIRECT_OPERATION)
        results.append(HANDLERS[type(operation)](context, operation))
    return results


def _record(
    state: State,
    chain: Chain,
    settings: LedgerSettings,
    tx: m.SignedTransaction,
    tx_hash: Digest,
    height: int,
    index: int,
    time_ms: int,
) -> m.TransactionResult:
    context: Context | None = None
    try:
        context = Context(state, _signers(state, tx), settings, height, time_ms, tx_hash.raw)
        context.contract_runtime = chain.contract_runtime
        results = execute_transaction(context, tx)
    except OperationFailed as failure:
        state.rollback_transaction()
        fuel = 0 if context is None else context.fuel_used
        code, message = failure.code, failure.message
        return m.TransactionResult(tx_hash, height, index, code, message, fuel_used=fuel)
    except INPUT_ERRORS as error:  # a check missing somewhere: fail this transaction, not the block
        log.warning("transaction %s: unexpected %r", tx_hash.to_base58(), error)
        state.rollback_transaction()
        fuel = 0 if context is None else context.fuel_used
        message = f"invalid operation ({type(error).__name__})"  # no interpreter wording: hashed
        code = m.TxCode.INVALID_OPERATION
        return m.TransactionResult(tx_hash, height, index, code, message, fuel_used=fuel)
    state.commit_transaction()
    return m.TransactionResult(
        tx_hash, height, index, m.TxCode.SUCCESS, "", results, context.derived, context.fuel_used
    )


def apply_block(
    state: State,
    chain: Chain,
    transactions: Sequence[m.SignedTransaction],
    time_ms: int,
    hash_digest: Callable[[bytes], Digest],
    signatures_verified: bool = False,
    tx_hashes: Sequence[Digest] | None = None,
) -> BlockOutcome:
    """Execute `transactions` on `state` (at the chain's head) and build the next block.
    `tx_hashes`: the transactions' hashes when the caller already computed them."""
    settings = state.settings()
    height = chain.head.height + 1
    accepted: list[m.SignedTransaction] = []
    results: list[m.TransactionResult] = []
    rejected: list[tuple[m.SignedTransaction, str]] = []
    seen: set[bytes] = set()
    if tx_hashes is None:
        tx_hashes = [hash_digest(codec.encode(tx.content)) for tx in transactions]
    for tx, tx_hash in zip(transactions, tx_hashes, strict=True):
        reason = _reject_reason(chain, settings, tx, tx_hash, time_ms, signatures_verified)
        if reason is None and tx_hash.raw in seen:
            reason = "duplicate transaction"
        if reason is not None:
            rejected.append((tx, reason))
            continue
        seen.add(tx_hash.raw)
        results.append(_record(state, chain, settings, tx, tx_hash, height, len(accepted), time_ms))
        settings = state.settings()
        accepted.append(tx)
    root, writes = state.finish()
    header = _header(chain, height, time_ms, accepted, results, root, hash_digest)
    block = m.Block(header, accepted, results)
    return BlockOutcome(block, hash_digest(codec.encode(header)), writes, rejected)


def _header(
    chain: Chain,
    height: int,
    time_ms: int,
    transactions: list[m.SignedTransaction],
    results: list[m.TransactionResult],
    state_root: bytes,
    hash_digest: Callable[[bytes], Digest],
) -> m.BlockHeader:
    algorithm = chain.ledger_id.algorithm
    hasher = hasher_for(algorithm)
    tx_hashes = [r.tx_hash.raw for r in results]
    return m.BlockHeader(
        ledger=chain.ledger_id,
        height=height,
        previous_hash=chain.head_hash,
        time_ms=time_ms,
        transactions_root=Digest(algorithm, list_root(hasher, tx_hashes)),
        results_root=Digest(algorithm, list_root(hasher, [codec.encode(r) for r in results])),
        state_root=Digest(algorithm, state_root),
        transaction_count=len(transactions),
        total_transactions=chain.head.total_transactions + len(transactions),
    )
