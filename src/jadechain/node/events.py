"""Event streams as cursors over a ledger: user events of one topic (by sequence), user events
derived from the blocks (by height), and the system events `block` and `tx` (by height).

A `Source` reads one page from a position (on the ledger's thread) and turns a committed block
in hand into its items without a read when it can. The stream loop (`gateway.routes_events`)
owns the position: the next sequence (topic streams) or height (every other stream) not yet sent.

Events derived from blocks are exact because a successful transaction applied every write of its
`PublishEvents` operations, each with `expected_sequence` + 1 as its sequence (`_advance` in
`ledger.operations`). A topic stream reads the store instead, so it also sees events that other
operations (contracts) publish.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from jadechain import codec
from jadechain.api import BlockCommitted, EventView, TransactionCommitted
from jadechain.codec import Record
from jadechain.ledger import model as m
from jadechain.ledger import queries
from jadechain.ledger.store import Ledger

TOPIC_PAGE_EVENTS = 100
BLOCK_PAGE_BLOCKS = 100  # system `block`: small items
DERIVED_PAGE_BLOCKS = 8  # `tx` and derived user events: up to one item per transaction


class SystemKind(enum.StrEnum):
    BLOCK = "block"
    TX = "tx"


@dataclass(frozen=True, slots=True)
class Item:
    """One server-sent event: its type (`event`, `block`, `tx`), id and record."""

    name: str
    id: str
    record: Record


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    position: int  # where the next page starts
    more: bool  # False once the page reached the head


class Source(Protocol):
    def page(self, ledger: Ledger, position: int) -> Page: ...

    def live(self, ledger: Ledger, block: m.Block, position: int) -> Page | None: ...


@dataclass(frozen=True)
class TopicSource:
    """The events of one topic from a sequence on, read from the store."""

    account: str
    topic: str

    def page(self, ledger: Ledger, position: int) -> Page:
        found = queries.events(ledger, self.account, self.topic, position, TOPIC_PAGE_EVENTS)
        items = [Item("event", str(seq), EventView(self.topic, seq, value)) for seq, value in found]
        after = found[-1][0] + 1 if found else position
        return Page(items, after, len(found) == TOPIC_PAGE_EVENTS)

    def live(self, ledger: Ledger, block: m.Block, position: int) -> Page | None:
        """Nothing to send when the block cannot have published to this topic; else None: read
        the store (a contract call may publish, so any successful invocation counts)."""
        for _, operation in _successful_operations(block):
            if isinstance(operation, m.InvokeContract):
                return None
            if self._publishes(operation):
                return None
        return Page([], position, False)

    def _publishes(self, operation: m.Operation) -> bool:
        if not isinstance(operation, m.PublishEvents) or operation.account != self.account:
            return False
        return any(write.topic == self.topic for write in operation.events)


Derive = Callable[[Ledger, m.Block], list[Item]]


@dataclass(frozen=True)
class BlockSource:
    """Items derived from each committed block, from a height on."""

    derive: Derive  # (ledger, block) -> items; uses the ledger only for its hash algorithm
    page_blocks: int

    def page(self, ledger: Ledger, position: int) -> Page:
        last = min(ledger.height, position + self.page_blocks - 1)
        items: list[Item] = []
        for height in range(position, last + 1):
            block = ledger.block(height)
            assert block is not None, f"block {height} missing below the head"
            items += self.derive(ledger, block)
        after = max(position, last + 1)
        return Page(items, after, after <= ledger.height)

    def live(self, ledger: Ledger, block: m.Block, position: int) -> Page | None:
        """The block's items when it is the next one (no read: `ledger` only hashes)."""
        height = block.header.height
        if height < position:
            return Page([], position, False)  # already sent from the store
        if height > position:
            return None  # blocks in between: read them from the store
        return Page(self.derive(ledger, block), height + 1, False)


def _successful_operations(block: m.Block) -> Iterator[tuple[int, m.Operation]]:
    """(index, operation) of every operation of the block's successful transactions, in order,
    followed for each transaction by the writes its contract calls made (derived operations)."""
    for tx, result in zip(block.transactions, block.results, strict=True):
        if result.code is m.TxCode.SUCCESS:
            for operation in tx.content.operations:
                yield result.index, operation
            for derived in result.derived_operations:
                yield result.index, derived


def system_source(kind: SystemKind) -> BlockSource:
    if kind is SystemKind.BLOCK:
        return BlockSource(_block_items, BLOCK_PAGE_BLOCKS)
    return BlockSource(_tx_items, DERIVED_PAGE_BLOCKS)


def derived_source(account: str | None, topic: str | None) -> BlockSource:
    """User events published by `PublishEvents` operations, optionally of one account or topic."""

    def derive(_: Ledger, block: m.Block) -> list[Item]:
        return list(_published(block, account, topic))

    return BlockSource(derive, DERIVED_PAGE_BLOCKS)


def _block_items(ledger: Ledger, block: m.Block) -> list[Item]:
    header = block.header
    block_hash = ledger.digest(codec.encode(header))
    record = BlockCommitted(header.height, block_hash, header.transaction_count, header.time_ms)
    return [Item("block", str(header.height), record)]


def _tx_items(_: Ledger, block: m.Block) -> list[Item]:
    return [
        Item(
            "tx",
            f"{r.height}/{r.index}",
            TransactionCommitted(r.tx_hash, r.height, r.index, r.code),
        )
        for r in block.results
    ]


def _published(block: m.Block, account: str | None, topic: str | None) -> Iterator[Item]:
    """The block's events in operation order, except that within one transaction each topic's
    events come in sequence order (a contract's events are recorded after its operations)."""
    height = block.header.height
    found: list[tuple[int, str, str, int, m.EventWrite]] = []
    for index, operation in _successful_operations(block):
        if not isinstance(operation, m.PublishEvents):
            continue
        if account is not None and operation.account != account:
            continue
        for write in operation.events:
            if topic is None or write.topic == topic:
                sequence = write.expected_sequence + 1
                found.append((index, operation.account, write.topic, sequence, write))
    for _, owner, name, sequence, write in _in_sequence(found):
        event_id = f"{height}/{owner}/{quote(name, safe='')}/{sequence}"
        yield Item("event", event_id, EventView(name, sequence, write.content))


def _in_sequence(
    found: list[tuple[int, str, str, int, m.EventWrite]],
) -> list[tuple[int, str, str, int, m.EventWrite]]:
    """`found` with each (transaction, account, topic) group's items sorted by sequence, in
    the places that group already held."""
    places: dict[tuple[int, str, str], list[int]] = {}
    for position, item in enumerate(found):
        places.setdefault(item[:3], []).append(position)
    ordered = list(found)
    for positions in places.values():
        items = sorted((found[p] for p in positions), key=lambda item: item[3])
        for position, item in zip(positions, items, strict=True):
            ordered[position] = item
    return ordered
