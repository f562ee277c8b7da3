"""Event streams through real processes: a subscriber follows a topic through `gateway run` while
events are published to the peer; the gateway is restarted mid-stream; the subscriber ends with
every event exactly once, in order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from jadechain import codec
from jadechain.api import SubmitResult, SubmitStatus
from jadechain.crypto import Digest, KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Int64
from jadechain.sdk import AsyncClient
from jadechain.sdk.events import Reconnect
from jadechain.testing.processes import dev_process, free_port, served

EVENTS = 30
WAIT_S = 60  # an upper bound on waits, not an expectation of speed


def _configs(data: Path, peer_port: int, gateway_port: int) -> tuple[Path, Path]:
    peer = data / "peer.toml"
    peer.write_text(
        f'[peer]\nlisten = "127.0.0.1:{peer_port}"\nkey_file = "keys/node.key.json"\n'
        'ledgers = ["ledger"]\n\n[pipeline]\nblock_delay_ms = 5\n'
    )
    gateway = data / "gateway.toml"
    gateway.write_text(
        f'[gateway]\nlisten = "127.0.0.1:{gateway_port}"\n'
        f'peers = ["http://127.0.0.1:{peer_port}"]\n'
    )
    return peer, gateway


class Subscriber(threading.Thread):
    """Follows one topic through the SDK on its own event loop until it has `count` events."""

    def __init__(self, base: str, ledger: Digest, account: str, count: int) -> None:
        super().__init__(daemon=True)
        self.base, self.ledger, self.account, self.count = base, ledger, account, count
        self.sequences: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(asyncio.wait_for(self._follow(), WAIT_S * 2))
        except BaseException as error:  # reported by the test
            self.error = error

    async def _follow(self) -> None:
        patient = Reconnect(failures_max=200, delay_s=0.05, delay_max_s=0.5)
        async with AsyncClient(self.base, timeout=30) as client:
            stream = client.event_stream(self.ledger, self.account, "t", reconnect=patient)
            async for view in stream:
                self.sequences.append(view.sequence)
                if len(self.sequences) == self.count:
                    break


def _wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, "not reached within the bound"
        time.sleep(0.05)


def test_subscriber_gets_every_event_once_across_a_gateway_restart(tmp_path: Path) -> None:
    data = tmp_path / "ledger-dir"
    with dev_process(data, free_port()):
        pass  # found the ledger and its keys, then stop
    peer_port, gateway_port = free_port(), free_port()
    peer_toml, gateway_toml = _configs(data, peer_port, gateway_port)
    gateway_run = ["gateway", "run", "--config", str(gateway_toml)]
    peer_api = f"http://127.0.0.1:{peer_port}/api/v1"
    admin = open_key(load(data / "keys" / "admin.key.json"), None)
    events = KeyPair.generate(admin.algorithm)
    with served(["peer", "run", "--config", str(peer_toml)], peer_port):
        ledger = Digest.from_base58(httpx.get(f"{peer_api}/ledgers").json()[0]["id"])

        def submit(operation: m.Operation) -> None:
            tx = sign(new_content(ledger, [operation], time.time_ns() // 1_000_000), [admin])
            url = f"{peer_api}/ledgers/{ledger.to_base58()}/txs"
            answer = httpx.post(url, content=codec.to_json(tx), timeout=30)
            result = codec.from_json(answer.content, SubmitResult)
            assert result.status is SubmitStatus.COMMITTED, answer.text
            assert result.result is not None
            assert result.result.code is m.TxCode.SUCCESS, result.result.message

        def publish(sequence: int) -> None:
            write = m.EventWrite("t", Int64(sequence), sequence - 1)
            submit(m.PublishEvents(events.address, [write]))

        submit(m.RegisterEventAccount(events.public))
        subscriber = Subscriber(f"http://127.0.0.1:{gateway_port}", ledger, events.address, EVENTS)
        with served(gateway_run, gateway_port) as first_gateway:
            subscriber.start()
            for sequence in range(10):
                publish(sequence)
            _wait_until(lambda: len(subscriber.sequences) >= 5)
        assert first_gateway.returncode is not None  # stopped with the stream open
        assert "Traceback" not in first_gateway.stderr, first_gateway.stderr
        for sequence in range(10, 20):  # while no gateway runs
            publish(sequence)
        with served(gateway_run, gateway_port):
            for sequence in range(20, EVENTS):
                publish(sequence)
            subscriber.join(WAIT_S)
    assert not subscriber.is_alive()
    assert subscriber.error is None, repr(subscriber.error)
    assert subscriber.sequences == list(range(EVENTS))  # every event once, in order
