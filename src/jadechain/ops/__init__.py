"""Operating a consortium: the multi-party ledger-init ceremony and local test networks.

- `ceremony`: draft an init document, sign it per organisation, combine the signatures, found a
  ledger store from the signed document, and compute the ledger id for out-of-band comparison.
- `layout`, `manifest`: the directory of a `jadechain net` network and its `net.json`.
- `processes`: spawning, probing and stopping background processes.
- `network`: `net up`, `net down`; `netstatus`: `net status`.
"""
