"""The signed handshake on a freshly dialed connection (see `jadechain.p2p.transport`).

    dialer -> acceptor   Hello(version, ledger, node, public_key, nonce)
    acceptor -> dialer   Hello(...)            or Refuse(reason)
    dialer -> acceptor   Proof(signature "D")  or Refuse(reason)
    acceptor -> dialer   Proof(signature "A")  or Refuse(reason)

Each signature covers `DOMAIN + ledger + dialer nonce + acceptor nonce + dialer public key bytes +
acceptor public key bytes + role byte`. Both nonces are 32 fresh random bytes, so a recorded proof
is worthless on any other connection, and the role byte stops a dialer's proof being reflected
back as an acceptor's.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
from collections.abc import Coroutine, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from jadechain import codec
from jadechain.crypto import KeyPair, PublicKey, Signature, verify
from jadechain.crypto.base58 import b58encode
from jadechain.p2p.frames import FrameTooBigError, frame, read_frame

PROTOCOL_VERSION = 1
NONCE_BYTES = 32
HANDSHAKE_FRAME_MAX = 4 * 1024
DOMAIN = b"jadechain-p2p-v1"
ROLE_DIALER = b"D"
ROLE_ACCEPTOR = b"A"
_REASON_CHARS_MAX = 200


class Hello(codec.Record, frozen=True, tag="hello"):
    version: int
    ledger: bytes
    node: str
    public_key: bytes
    nonce: bytes


class Proof(codec.Record, frozen=True, tag="proof"):
    signature: Signature


class Refuse(codec.Record, frozen=True, tag="refuse"):
    reason: str


_MESSAGE: Any = Hello | Proof | Refuse
M = TypeVar("M", Hello, Proof)


class Failure(enum.Enum):
    REFUSED = "refused"  # a check failed, on this side or (Refuse received) on the peer's
    GARBAGE = "garbage"  # bytes that are not the expected handshake message
    OVERSIZE = "oversize"  # a handshake frame above HANDSHAKE_FRAME_MAX
    TIMEOUT = "timeout"
    CLOSED = "closed"  # the connection ended or broke mid-handshake


class HandshakeError(Exception):
    """A failed handshake: what kind of failure, and a one-line reason for the log."""

    def __init__(self, failure: Failure, reason: str, tell_peer: bool = True) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason
        self.tell_peer = tell_peer


@dataclass(frozen=True)
class Identity:
    """Who this node is on the wire."""

    keypair: KeyPair
    node_id: str
    ledger: bytes

    def hello(self, nonce: bytes) -> Hello:
        public = self.keypair.public.to_bytes()
        return Hello(PROTOCOL_VERSION, self.ledger, self.node_id, public, nonce)


def transcript(ledger: bytes, dialer: Hello, acceptor: Hello) -> bytes:
    """What both proofs sign, before the role byte."""
    keys = dialer.public_key + acceptor.public_key
    return DOMAIN + ledger + dialer.nonce + acceptor.nonce + keys


async def dial(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    me: Identity,
    peer_node: str,
    peer_key: PublicKey,
    timeout_s: float,
) -> None:
    """Authenticate both ends of a connection we dialed to reach `peer_node`."""

    async def steps() -> None:
        mine = me.hello(secrets.token_bytes(NONCE_BYTES))
        await _send(writer, mine)
        theirs = await _expect(reader, Hello)
        _check_hello(theirs, me)
        if theirs.node != peer_node:
            _refuse(f"dialed {peer_node} but reached {_quote(theirs.node)}")
        if theirs.public_key != peer_key.to_bytes():
            _refuse(f"{peer_node} presented a key other than its registered key")
        signed = transcript(me.ledger, mine, theirs)
        await _send(writer, Proof(me.keypair.sign(signed + ROLE_DIALER)))
        _check_proof(await _expect(reader, Proof), peer_key, signed + ROLE_ACCEPTOR, peer_node)

    await _run(steps(), writer, timeout_s)


async def accept(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    me: Identity,
    known: Mapping[str, PublicKey],
    timeout_s: float,
) -> str:
    """Authenticate both ends of an accepted connection; the dialer's node id."""
    dialer_node = ""

    async def steps() -> None:
        nonlocal dialer_node
        theirs = await _expect(reader, Hello)
        _check_hello(theirs, me)
        key = known.get(theirs.node)
        if key is None:
            _refuse(f"{_quote(theirs.node)} is not a participant known to this node")
        if theirs.public_key != key.to_bytes():
            _refuse(f"{theirs.node} presented a key other than its registered key")
        mine = me.hello(secrets.token_bytes(NONCE_BYTES))
        await _send(writer, mine)
        signed = transcript(me.ledger, theirs, mine)
        _check_proof(await _expect(reader, Proof), key, signed + ROLE_DIALER, theirs.node)
        await _send(writer, Proof(me.keypair.sign(signed + ROLE_ACCEPTOR)))
        dialer_node = theirs.node

    await _run(steps(), writer, timeout_s)
    return dialer_node


async def _run(
    steps: Coroutine[Any, Any, None], writer: asyncio.StreamWriter, timeout_s: float
) -> None:
    try:
        try:
            async with asyncio.timeout(timeout_s):
                await steps
        except TimeoutError:
            raise HandshakeError(Failure.TIMEOUT, f"no handshake within {timeout_s} s") from None
        except OSError as error:
            raise HandshakeError(Failure.CLOSED, f"connection broke: {error}", False) from None
    except HandshakeError as error:
        if error.tell_peer and not writer.is_closing():
            with suppress(OSError, RuntimeError):
                writer.write(frame(codec.encode(Refuse(error.reason[:_REASON_CHARS_MAX]))))
        raise


def _check_hello(hello: Hello, me: Identity) -> None:
    if hello.version != PROTOCOL_VERSION:
        _refuse(f"protocol version {hello.version}; this node speaks {PROTOCOL_VERSION}")
    if hello.ledger != me.ledger:
        _refuse(f"ledger {b58encode(hello.ledger)[:60]} is not this node's {b58encode(me.ledger)}")
    if len(hello.nonce) != NONCE_BYTES:
        raise HandshakeError(Failure.GARBAGE, f"nonce of {len(hello.nonce)} bytes")


def _check_proof(proof: Proof, key: PublicKey, signed: bytes, node: str) -> None:
    if not verify(key, signed, proof.signature):
        _refuse(f"the handshake signature of {node} does not verify")


def _refuse(reason: str) -> NoReturn:
    raise HandshakeError(Failure.REFUSED, reason)


async def _send(writer: asyncio.StreamWriter, message: Hello | Proof) -> None:
    writer.write(frame(codec.encode(message)))
    await writer.drain()


async def _expect(reader: asyncio.StreamReader, kind: type[M]) -> M:
    try:
        data = await read_frame(reader, HANDSHAKE_FRAME_MAX)
    except FrameTooBigError as error:
        raise HandshakeError(Failure.OVERSIZE, f"handshake {error}") from None
    except EOFError:
        raise HandshakeError(Failure.CLOSED, "connection closed mid-handshake", False) from None
    try:
        message = codec.decode(data, _MESSAGE)
    except codec.CodecError as error:
        raise HandshakeError(
            Failure.GARBAGE, f"malformed handshake: {_quote(str(error))}"
        ) from None
    if isinstance(message, Refuse):
        reason = f"the peer refused: {_quote(message.reason)}"
        raise HandshakeError(Failure.REFUSED, reason, tell_peer=False)
    if not isinstance(message, kind):
        got = type(message).__name__
        raise HandshakeError(Failure.GARBAGE, f"expected {kind.__name__}, got {got}")
    return message


def _quote(text: str) -> str:
    """Peer-supplied text, made safe and short for a log line."""
    return repr(text[:_REASON_CHARS_MAX])
