"""A ledger on the storage seam: genesis, appending blocks atomically, and queries.

Plain-store layout besides the state (`s`, `h`, see `state.py`) and the tree nodes (`M/`):
- `m/ledger` -> ledger id (digest bytes); `m/head` -> head height (8 bytes); `m/init` -> the signed
  init document;
- `b` + height(8) -> encoded Block; `c` + height(8) -> encoded BlockCertificate;
- `x` + tx hash (raw) -> height(8) + index(4).
A block, its tree nodes, its state values, its indexes and the new head go in ONE batch, so a
reopened store is always at the last complete block.
"""

from __future__ import annotations

from collections.abc import Sequence

from jadechain import codec
from jadechain.crypto import Digest, algorithm_from_name
from jadechain.ledger import genesis
from jadechain.ledger import model as m
from jadechain.ledger.executor import BlockOutcome, Chain, apply_block
from jadechain.ledger.listroot import hasher_for
from jadechain.ledger.merkle import EMPTY_ROOT, MerkleTree
from jadechain.ledger.operations import ContractRuntime
from jadechain.ledger.state import LedgerSettings, State, read_as_of
from jadechain.storage import KVStore, WriteBatch

LEDGER_KEY = b"m/ledger"
HEAD_KEY = b"m/head"
INIT_KEY = b"m/init"
BLOCK_PREFIX = b"b"
CERTIFICATE_PREFIX = b"c"
HEADER_PREFIX = b"k"  # each block's header alone, so reading a header never decodes a block
TX_INDEX_PREFIX = b"x"
TREE_PREFIX = b"M/"
TREE_NODES_CACHED_MAX = 200_000


class LedgerError(Exception):
    """A misuse of the ledger store: no ledger here, a stale block, a second genesis."""


def _height_key(prefix: bytes, height: int) -> bytes:
    return prefix + height.to_bytes(8, "big")


class Ledger:
    """One ledger in one key-value store."""

    def __init__(
        self,
        store: KVStore,
        contract_runtime: ContractRuntime | None = None,
        tree_nodes_cached_max: int = TREE_NODES_CACHED_MAX,
    ) -> None:
        ledger_id = store.get(LEDGER_KEY)
        if ledger_id is None:
            raise LedgerError("this store holds no ledger")
        self.store = store
        self.id = Digest.from_bytes(ledger_id)
        self.hash_algorithm = self.id.algorithm
        self.hasher = hasher_for(self.hash_algorithm)
        self.tree = MerkleTree(store, self.hash_algorithm, TREE_PREFIX, tree_nodes_cached_max)
        if contract_runtime is None:  # the real runtime unless a test gives another
            from jadechain.contract.runtime import default_runtime

            contract_runtime = default_runtime()
        self.contract_runtime: ContractRuntime = contract_runtime
        head = store.get(HEAD_KEY)
        assert head is not None, "a ledger store without a head is corrupt"
        block = self._load_block(int.from_bytes(head, "big"))
        assert block is not None, "the head block is missing: the store is corrupt"
        self.head = block.header
        self.head_hash = self.digest(codec.encode(self.head))

    def digest(self, data: bytes) -> Digest:
        return Digest(self.hash_algorithm, self.hasher(data))

    # --- creating and extending ---------------------------------------------------------------

    @classmethod
    def create(cls, store: KVStore, signed: genesis.SignedInitDocument) -> Ledger:
        """Found a ledger from a signed init document (InitError if it cannot found one)."""
        if store.get(LEDGER_KEY) is not None:
            raise LedgerError("this store already holds a ledger")
        settings = genesis.check(signed)
        algorithm = algorithm_from_name(settings.hash_algorithm)
        hasher = hasher_for(algorithm)
        tree = MerkleTree(store, algorithm, TREE_PREFIX)
        state = State(store, tree, EMPTY_ROOT, hasher)
        genesis.write_genesis_state(state, signed, settings)
        root, writes = state.finish()
        header = genesis.genesis_header(signed.document, root, hasher)
        ledger_id = Digest(algorithm, hasher(codec.encode(header)))
        writes.put(_height_key(BLOCK_PREFIX, 0), codec.encode(m.Block(header, [], [])))
        writes.put(INIT_KEY, codec.encode(signed))
        writes.put(HEAD_KEY, (0).to_bytes(8, "big"))
        writes.put(LEDGER_KEY, ledger_id.to_bytes())
        store.write(writes)
        return cls(store)

    def state(self) -> State:
        return State(self.store, self.tree, self.head.state_root.raw, self.hasher)

    def apply(
        self,
        transactions: Sequence[m.SignedTransaction],
        time_ms: int,
        signatures_verified: bool = False,
        tx_hashes: Sequence[Digest] | None = None,
    ) -> BlockOutcome:
        """Execute the next block on the head's state; nothing is stored until `commit`.
        `tx_hashes`, when the caller has them, are the transactions' hashes (not recomputed)."""
        chain = Chain(self.id, self.head, self.head_hash, self.is_known, self.contract_runtime)
        return apply_block(
            self.state(), chain, transactions, time_ms, self.digest, signatures_verified, tx_hashes
        )

    def commit(self, outcome: BlockOutcome, certificate: m.BlockCertificate | None = None) -> None:
        """Store the block and everything that goes with it in one atomic batch."""
        header = outcome.block.header
        if header.previous_hash != self.head_hash or header.height != self.head.height + 1:
            raise LedgerError(f"block {header.height} does not extend the head {self.head.height}")
        writes = WriteBatch()
        writes.update(outcome.writes)
        writes.put(_height_key(BLOCK_PREFIX, header.height), codec.encode(outcome.block))
        writes.put(_height_key(HEADER_PREFIX, header.height), codec.encode(header))
        for result in outcome.block.results:
            location = header.height.to_bytes(8, "big") + result.index.to_bytes(4, "big")
            writes.put(TX_INDEX_PREFIX + result.tx_hash.raw, location)
        if certificate is not None:
            writes.put(_height_key(CERTIFICATE_PREFIX, header.height), codec.encode(certificate))
        writes.put(HEAD_KEY, header.height.to_bytes(8, "big"))
        self.store.write(writes)
        self.tree.commit(writes)
        self.head = header
        self.head_hash = outcome.block_hash

    def discard(self, outcome: BlockOutcome) -> None:
        """Abandon an applied block that will not be committed (frees its pending tree nodes)."""
        self.tree.discard(outcome.writes)

    def append(
        self,
        transactions: Sequence[m.SignedTransaction],
        time_ms: int,
        signatures_verified: bool = False,
    ) -> BlockOutcome:
        outcome = self.apply(transactions, time_ms, signatures_verified)
        self.commit(outcome)
        return outcome

    def save_certificate(self, certificate: m.BlockCertificate) -> None:
        batch = WriteBatch()
        batch.put(_height_key(CERTIFICATE_PREFIX, certificate.height), codec.encode(certificate))
        self.store.write(batch)

    # --- queries ------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        return self.head.height

    def is_known(self, tx_hash: bytes) -> bool:
        return self.store.get(TX_INDEX_PREFIX + tx_hash) is not None

    def settings(self) -> LedgerSettings:
        return self.state().settings()

    def init_document(self) -> genesis.SignedInitDocument:
        data = self.store.get(INIT_KEY)
        assert data is not None, "a ledger store without its init document is corrupt"
        return codec.decode(data, genesis.SignedInitDocument)

    def block(self, height: int) -> m.Block | None:
        if not 0 <= height <= self.head.height:
            return None
        return self._load_block(height)

    def _load_block(self, height: int) -> m.Block | None:
        data = self.store.get(_height_key(BLOCK_PREFIX, height))
        return None if data is None else codec.decode(data, m.Block)

    def header(self, height: int) -> m.BlockHeader | None:
        if height == self.head.height:
            return self.head
        if not 0 <= height <= self.head.height:
            return None
        data = self.store.get(_height_key(HEADER_PREFIX, height))
        if data is not None:
            return codec.decode(data, m.BlockHeader)
        block = self._load_block(height)  # genesis, and blocks stored before headers were
        return None if block is None else block.header

    def certificate(self, height: int) -> m.BlockCertificate | None:
        data = self.store.get(_height_key(CERTIFICATE_PREFIX, height))
        return None if data is None else codec.decode(data, m.BlockCertificate)

    def transaction(
        self, tx_hash: Digest
    ) -> tuple[m.SignedTransaction, m.TransactionResult, m.BlockHeader] | None:
        location = self.store.get(TX_INDEX_PREFIX + tx_hash.raw)
        if location is None:
            return None
        height, index = int.from_bytes(location[:8], "big"), int.from_bytes(location[8:], "big")
        block = self.block(height)
        assert block is not None, "transaction index points at a missing block"
        return block.transactions[index], block.results[index], block.header

    def read(self, key: bytes, height: int | None = None) -> bytes | None:
        """A state value, latest or as of the block at `height`."""
        if height is None or height == self.head.height:
            return self.state().get(key)
        header = self.header(height)
        if header is None:
            return None
        return read_as_of(self.store, self.tree, header.state_root.raw, key)
