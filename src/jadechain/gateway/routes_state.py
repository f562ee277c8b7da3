"""Ledger state: users, accounts, entries (latest, by version, history, proofs), contracts, events
and roles. Every read runs on the ledger's thread, in one function, so it sees one head.
"""

from __future__ import annotations

from jadechain.api import AccountView, ContractView, EntryView, EventView, RoleView, UserView
from jadechain.gateway.context import Call
from jadechain.gateway.errors import bad_request, not_found, shorten
from jadechain.gateway.params import (
    ACCOUNT,
    ADDRESS,
    AT_HEIGHT,
    FROM_SEQUENCE,
    FROM_VERSION,
    KEY,
    LEDGER,
    LIMIT,
    PREFIX,
    ROLE,
    TOPIC,
    VERSION,
)
from jadechain.gateway.routes_ledger import LEDGER_PATH
from jadechain.gateway.routing import Endpoint
from jadechain.ledger import model as m
from jadechain.ledger import queries
from jadechain.ledger.proofs import EntryProof, prove_entry
from jadechain.ledger.security import normalize_role
from jadechain.ledger.state import AccountRecord, code_key
from jadechain.ledger.store import Ledger

ACCOUNT_PATH = f"{LEDGER_PATH}/accounts/{{address}}"
ENTRY_PATH = f"{ACCOUNT_PATH}/entries/{{key}}"


def _account(ledger: Ledger, address: str) -> AccountRecord:
    record = queries.account(ledger, address)
    if record is None:
        raise not_found(f"no account {address} on this ledger")
    return record


def _check_height(ledger: Ledger, height: int | None) -> None:
    if height is not None and height > ledger.height:
        raise not_found(f"no block at height {height}: the head is at {ledger.height}")


async def user(call: Call) -> UserView:
    host = call.host()
    address = ADDRESS.address(call.request)

    def read(ledger: Ledger) -> UserView:
        record = ledger.state().user(address)
        if record is None:
            raise not_found(f"no user {address} on this ledger")
        return UserView(address, record.public_key, record.state, record.roles, record.policy)

    return await call.read(host, read)


async def account(call: Call) -> AccountView:
    host = call.host()
    address = ADDRESS.address(call.request)

    def read(ledger: Ledger) -> AccountView:
        record = _account(ledger, address)
        return AccountView(
            address,
            record.kind,
            record.public_key,
            record.owners,
            record.writer_role,
            record.frozen,
            record.contract_version,
        )

    return await call.read(host, read)


async def entries(call: Call) -> list[EntryView]:
    host = call.host()
    address = ADDRESS.address(call.request)
    prefix = PREFIX.text(call.request) or ""
    limit = LIMIT.required_integer(call.request)

    def read(ledger: Ledger) -> list[EntryView]:
        _account(ledger, address)
        found = queries.entries(ledger, address, prefix, limit)
        return [EntryView(key, version, value) for key, version, value in found]

    return await call.read(host, read)


async def entry(call: Call) -> EntryView:
    host = call.host()
    address = ADDRESS.address(call.request)
    key = KEY.required_text(call.request)
    version = VERSION.integer(call.request)
    height = AT_HEIGHT.integer(call.request)

    def read(ledger: Ledger) -> EntryView:
        _check_height(ledger, height)
        _account(ledger, address)
        found = queries.entry(ledger, address, key, version, height)
        if found is None:
            which = "" if version is None else f"version {version} of "
            when = "" if height is None else f" as of block {height}"
            raise not_found(f"no {which}key {shorten(key)!r} in account {address}{when}")
        return EntryView(key, found[0], found[1])

    return await call.read(host, read)


async def history(call: Call) -> list[EntryView]:
    host = call.host()
    address = ADDRESS.address(call.request)
    key = KEY.required_text(call.request)
    start = FROM_VERSION.required_integer(call.request)
    limit = LIMIT.required_integer(call.request)

    def read(ledger: Ledger) -> list[EntryView]:
        _account(ledger, address)
        found = queries.history(ledger, address, key, start, limit)
        return [EntryView(key, version, value) for version, value in found]

    return await call.read(host, read)


async def entry_proof(call: Call) -> EntryProof:
    host = call.host()
    address = ADDRESS.address(call.request)
    key = KEY.required_text(call.request)
    version = VERSION.integer(call.request)
    height = AT_HEIGHT.integer(call.request)

    def read(ledger: Ledger) -> EntryProof:
        _check_height(ledger, height)
        if version is not None and queries.entry(ledger, address, key, version, height) is None:
            when = "" if height is None else f" as of block {height}"
            raise not_found(f"no version {version} of key {shorten(key)!r}{when}")
        # Without a version: the latest one, or a proof that the key is absent (version -1).
        return prove_entry(ledger, address, key, version, height)

    return await call.read(host, read)


async def contract(call: Call) -> ContractView:
    host = call.host()
    address = ADDRESS.address(call.request)

    def read(ledger: Ledger) -> ContractView:
        record = _account(ledger, address)
        if record.kind is not m.AccountKind.CONTRACT or record.contract_version < 0:
            raise not_found(f"account {address} is not a contract")
        code = ledger.read(code_key(address, record.contract_version))
        if code is None:
            raise RuntimeError(f"contract {address} has no code for its current version")
        return ContractView(address, record.contract_version, code.decode(), record.frozen)

    return await call.read(host, read)


async def events(call: Call) -> list[EventView]:
    host = call.host()
    address = ACCOUNT.address(call.request)
    topic = TOPIC.required_text(call.request)
    start = FROM_SEQUENCE.required_integer(call.request)
    limit = LIMIT.required_integer(call.request)

    def read(ledger: Ledger) -> list[EventView]:
        record = _account(ledger, address)
        if record.kind is not m.AccountKind.EVENT:
            raise not_found(f"account {address} is not an event account")
        found = queries.events(ledger, address, topic, start, limit)
        return [EventView(topic, sequence, content) for sequence, content in found]

    return await call.read(host, read)


async def role(call: Call) -> RoleView:
    host = call.host()
    given = ROLE.required_text(call.request)
    try:
        name = normalize_role(given)
    except ValueError as error:
        raise bad_request(str(error)) from None

    def read(ledger: Ledger) -> RoleView:
        record = ledger.state().role(name)
        if record is None:
            raise not_found(f"no role {name} on this ledger")
        return RoleView(name, record.ledger_permissions, record.transaction_permissions)

    return await call.read(host, read)


_ERRORS = (400, 404, 503)

ENDPOINTS = (
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/users/{{address}}",
        user,
        "A user: key, state, roles and policy",
        UserView,
        params=(LEDGER, ADDRESS),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        ACCOUNT_PATH,
        account,
        "An account (data, event or contract)",
        AccountView,
        params=(LEDGER, ADDRESS),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{ACCOUNT_PATH}/entries",
        entries,
        "The latest version of each key of a data account, in key order",
        list[EntryView],
        params=(LEDGER, ADDRESS, PREFIX, LIMIT),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        ENTRY_PATH,
        entry,
        "One entry: the latest version, or a given one, as of the head or a block",
        EntryView,
        params=(LEDGER, ADDRESS, KEY, VERSION, AT_HEIGHT),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{ENTRY_PATH}/history",
        history,
        "Every version of a key, oldest first",
        list[EntryView],
        params=(LEDGER, ADDRESS, KEY, FROM_VERSION, LIMIT),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{ENTRY_PATH}/proof",
        entry_proof,
        "Proof of an entry (or of its absence) under a block's state root",
        EntryProof,
        params=(LEDGER, ADDRESS, KEY, VERSION, AT_HEIGHT),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/contracts/{{address}}",
        contract,
        "A contract's current version and code",
        ContractView,
        params=(LEDGER, ADDRESS),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/events/{{account}}/{{topic}}",
        events,
        "Events of a topic from a sequence on",
        list[EventView],
        params=(LEDGER, ACCOUNT, TOPIC, FROM_SEQUENCE, LIMIT),
        errors=_ERRORS,
    ),
    Endpoint(
        "GET",
        f"{LEDGER_PATH}/roles/{{name}}",
        role,
        "A role's ledger and transaction permissions",
        RoleView,
        params=(LEDGER, ROLE),
        errors=_ERRORS,
    ),
)
