"""Length-prefixed frames: a 4-byte big-endian payload length, then the payload.

A length of 0 is a keepalive ping and carries no payload. Readers refuse a length above their
limit before reading the payload, so a hostile length prefix never allocates memory.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from contextlib import suppress

HEADER = struct.Struct(">I")
HEADER_BYTES = HEADER.size
LENGTH_MAX = 2**32 - 1
PING = HEADER.pack(0)


class FrameTooBigError(Exception):
    """A length prefix above the reader's limit; the connection must be closed."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"frame of {length} bytes exceeds the limit of {limit} bytes")
        self.length = length
        self.limit = limit


def frame(payload: bytes) -> bytes:
    """The frame carrying `payload` (header and payload, one bytes object)."""
    return HEADER.pack(len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader, limit: int) -> bytes:
    """The next frame's payload; b"" for a ping.

    Raises FrameTooBigError for a length above `limit`, asyncio.IncompleteReadError (an EOFError)
    when the connection ends mid-frame, and OSError for a broken connection.
    """
    (length,) = HEADER.unpack(await reader.readexactly(HEADER_BYTES))
    if length > limit:
        raise FrameTooBigError(length, limit)
    if length == 0:
        return b""
    return await reader.readexactly(length)


def set_nodelay(writer: asyncio.StreamWriter) -> None:
    """Disable Nagle's algorithm: consensus messages are small and latency-bound."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def close_writer(writer: asyncio.StreamWriter) -> None:
    """Close a connection without ever waiting on the peer; never raises OSError.

    With nothing left in the write buffer this is a graceful close (what was written, such as a
    refusal, still reaches the peer); otherwise the unsent bytes are discarded (abort), so a peer
    that stopped reading cannot hold the close up.
    """
    if writer.transport.get_write_buffer_size() == 0:
        writer.close()
    else:
        writer.transport.abort()
    with suppress(OSError):
        await writer.wait_closed()
