"""Ledgers and blocks: /ledgers, /ledgers/{L}, /blocks/latest and /blocks/{height}, with each
block's transactions and certificate.
"""

from __future__ import annotations

from jadechain import codec
from jadechain.api import (
    API_PREFIX,
    BlockView,
    LedgerInfo,
    LedgerSummary,
    NetworkStatus,
    ParticipantView,
    TransactionView,
)
from jadechain.gateway.context import Call
from jadechain.gateway.errors import not_found
from jadechain.gateway.params import HEIGHT, LEDGER
from jadechain.gateway.routing import Endpoint
from jadechain.ledger import model as m
from jadechain.ledger import queries
from jadechain.ledger.store import Ledger

LEDGERS = f"{API_PREFIX}/ledgers"
LEDGER_PATH = f"{LEDGERS}/{{ledger}}"


async def list_ledgers(call: Call) -> list[LedgerSummary]:
    gateway = call.gateway
    return [await gateway.summary(host) for host in gateway.hosts.values()]


def _ledger_info(ledger: Ledger) -> LedgerInfo:
    settings = ledger.settings()
    participants = [
        ParticipantView(address, record.name, record.public_key, record.state)
        for address, record in queries.participants(ledger)
    ]
    return LedgerInfo(
        id=ledger.id,
        name=ledger.init_document().document.name,
        height=ledger.height,
        latest_block_hash=ledger.head_hash,
        suite=settings.suite,
        hash_algorithm=settings.hash_algorithm,
        accepted_signature_algorithms=list(settings.accepted_signature_algorithms),
        consensus_provider=settings.consensus_provider,
        time_window_ms=settings.time_window_ms,
        participants=participants,
    )


async def ledger_info(call: Call) -> LedgerInfo:
    host = call.host()
    return await call.read(host, _ledger_info)


def block_at(ledger: Ledger, height: int) -> m.Block:
    """The block at `height`, or 404 saying where the head is."""
    block = ledger.block(height)
    if block is None:
        raise not_found(f"no block at height {height}: the head is at {ledger.height}")
    return block


def block_view(ledger: Ledger, block: m.Block) -> BlockView:
    block_hash = ledger.digest(codec.encode(block.header))
    return BlockView(block_hash, block.header, [result.tx_hash for result in block.results])


async def latest_block(call: Call) -> BlockView:
    host = call.host()
    return await call.read(host, _latest_block)


def _latest_block(ledger: Ledger) -> BlockView:
    return block_view(ledger, block_at(ledger, ledger.height))


async def block(call: Call) -> BlockView:
    host = call.host()
    height = HEIGHT.required_integer(call.request)
    return await call.read(host, lambda ledger: block_view(ledger, block_at(ledger, height)))


def _block_transactions(ledger: Ledger, height: int) -> list[TransactionView]:
    found = block_at(ledger, height)
    block_hash = ledger.digest(codec.encode(found.header))
    time_ms = found.header.time_ms
    return [
        TransactionView(result.tx_hash, tx, result, block_hash, time_ms)
        for tx, result in zip(found.transactions, found.results, strict=True)
    ]


async def block_transactions(call: Call) -> list[TransactionView]:
    host = call.host()
    height = HEIGHT.required_integer(call.request)
    return await call.read(host, lambda ledger: _block_transactions(ledger, height))


CERTIFICATE_WAIT_MS = 3_000  # how long a peer waits for a fresh block's quorum certificate


async def block_certificate(call: Call) -> m.BlockCertificate:
    host = call.host()
    height = HEIGHT.required_integer(call.request)
    await call.read(host, lambda ledger: block_at(ledger, height))
    certificate = await host.certificate(height, CERTIFICATE_WAIT_MS)
    if certificate is None:
        raise not_found(f"block {height} has no certificate (the genesis block never has one)")
    return certificate


async def network_status(call: Call) -> NetworkStatus:
    return call.host().network_status()


_LEDGER_ERRORS = (400, 404, 503)

ENDPOINTS = (
    Endpoint("GET", LEDGERS, list_ledgers, "The ledgers this gateway serves", list[LedgerSummary]),
    Endpoint(
        "GET",
        LEDGER_PATH,
        ledger_info,
        "A ledger's settings, participants and height",
        LedgerInfo,
        params=(LEDGER,),
        errors=_LEDGER_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/blocks/latest",
        latest_block,
        "The head block",
        BlockView,
        params=(LEDGER,),
        errors=_LEDGER_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/blocks/{{height}}",
        block,
        "A block by height",
        BlockView,
        params=(LEDGER, HEIGHT),
        errors=_LEDGER_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/blocks/{{height}}/txs",
        block_transactions,
        "The transactions of a block, with their results",
        list[TransactionView],
        params=(LEDGER, HEIGHT),
        errors=_LEDGER_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/blocks/{{height}}/certificate",
        block_certificate,
        "The participants' signatures on a block's hash",
        m.BlockCertificate,
        params=(LEDGER, HEIGHT),
        errors=_LEDGER_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/network",
        network_status,
        "This peer's consensus view and its links to the other participants",
        NetworkStatus,
        params=(LEDGER,),
        errors=_LEDGER_ERRORS,
    ),
)
