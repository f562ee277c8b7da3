"""One peer: the ledgers it hosts, their mempools and block pipelines."""
