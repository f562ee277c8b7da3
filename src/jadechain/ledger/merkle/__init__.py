"""The ledger's authenticated state map: a persistent 16-ary Merkle radix tree with proofs.

- `MerkleTree(store, hash_algorithm, prefix, cache_nodes_max)`: `update(root, changes)` returns the
  new root and a batch of new nodes for the caller to write with its block, then `commit(batch)`;
  `get(root, key)` and `prove(root, key)` read any root ever produced.
- `verify_proof(root, key, value, proof, hash_algorithm)`: pure, bounded, never raises.
- `EMPTY_ROOT` (32 zero bytes) is the root of the empty tree for every hash algorithm.

Layout and hashes: `nodes`; proof format: `proof`; the update / commit contract and the cache:
`tree`; the update algorithm: `update`.
"""

from jadechain.ledger.merkle.nodes import DEPTH_MAX, EMPTY_ROOT, MerkleError, MissingNodeError
from jadechain.ledger.merkle.proof import MerkleProof, ProofLeaf, ProofLevel, verify_proof
from jadechain.ledger.merkle.tree import MerkleTree

__all__ = [
    "DEPTH_MAX",
    "EMPTY_ROOT",
    "MerkleError",
    "MerkleProof",
    "MerkleTree",
    "MissingNodeError",
    "ProofLeaf",
    "ProofLevel",
    "verify_proof",
]
