"""The jadechain client library: keys, transactions, a REST client and offline proof checks.

    from jadechain.sdk import Client, TxBuilder, load_keypair, NEW

    me = load_keypair("alice", password="...")          # a key made by `jadechain keys new`
    with Client("http://127.0.0.1:8080") as client:
        [ledger] = client.ledgers()
        tx = TxBuilder(ledger.id).set_entry(account, "lot-7", "harvested", NEW).sign(me)
        result = client.submit(ledger.id, tx)              # waits until it is in a block
        version, value = client.verified_entry(ledger.id, account, "lot-7", trusted=[...])

- `load_keypair`, `default_key_dir`: key pairs from key files (`jadechain.sdk.keys`).
- `TxBuilder`, `NEW`, `to_value`: operations from Python values, then content and signatures.
- `Client`, `AsyncClient`: the gateway's REST API (JSON, or msgpack with `binary=True`).
- `verify_header`, `verify_entry`, `verify_transaction`: trust a header through its certificate
  and a quorum of trusted participant keys, and a proof under it; never raise, False if not.
- `JadechainError` (error answers), `GatewayUnreachableError` (no answer), `ProofError`.

The SDK depends on `crypto`, `codec`, `api` and the `ledger` records and proof checks, never on
the node, gateway or storage engines (DESIGN §2).
"""

from jadechain.sdk.builder import NEW, TxBuilder
from jadechain.sdk.client import AsyncClient, Client
from jadechain.sdk.errors import GatewayUnreachableError, JadechainError, ProofError
from jadechain.sdk.keys import default_key_dir, load_keypair
from jadechain.sdk.values import to_value
from jadechain.sdk.verify import verify_entry, verify_header, verify_transaction

__all__ = [
    "NEW",
    "AsyncClient",
    "Client",
    "GatewayUnreachableError",
    "JadechainError",
    "ProofError",
    "TxBuilder",
    "default_key_dir",
    "load_keypair",
    "to_value",
    "verify_entry",
    "verify_header",
    "verify_transaction",
]
