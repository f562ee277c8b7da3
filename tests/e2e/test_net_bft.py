"""A 4-organisation bft network of real processes on 127.0.0.1 (`jadechain net up`), through
faults: 1,000 transactions through the gateway; the leader killed (commits resume after a view
change) and restarted (it catches up); 2 of 4 down (nothing commits, nothing diverges; progress
resumes when one returns); at the end every node has the same blocks and state roots."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jadechain.api import SubmitStatus
from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ops import network, processes
from jadechain.ops.founding import NetSpec
from jadechain.ops.manifest import Layout, Manifest, OrgRecord
from jadechain.sdk import NEW, Client, TxBuilder
from jadechain.testing.processes import free_port

VIEW_CHANGE_TIMEOUT_MS = 1000
WAIT_S = 60.0


class Net:
    """The network under test and what the tests do to it."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.layout = Layout(root)
        self.manifest = manifest
        self.admin = open_key(load(self.layout.admin_key), None)
        self.account = KeyPair.generate(self.admin.algorithm)
        self.client = Client(manifest.gateway_url, timeout=WAIT_S)
        self.pids = {org.name: org.pid for org in manifest.orgs}
        self.counter = 0

    def org(self, name: str) -> OrgRecord:
        return next(org for org in self.manifest.orgs if org.name == name)

    def status(self, name: str) -> dict[str, object]:
        url = f"{self.org(name).api_url}/api/v1/ledgers/{self.manifest.ledger}/network"
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        status: dict[str, object] = response.json()
        return status

    def leader(self, ask: str) -> str:
        address = self.status(ask)["leader"]
        return next(org.name for org in self.manifest.orgs if org.address == address)

    def writes(self, count: int) -> list[m.SignedTransaction]:
        txs = []
        for _ in range(count):
            self.counter += 1
            builder = TxBuilder(self.manifest.ledger)
            txs.append(
                builder.set_entry(self.account.address, f"k{self.counter}", self.counter, NEW)
            )
        return [tx.sign(self.admin) for tx in txs]

    def kill(self, name: str) -> None:
        pid = self.pids[name]
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        while processes.running(pid, str(self.layout.peer_config(name))):
            time.sleep(0.05)
        self.pids[name] = None

    def restart(self, name: str) -> None:
        config = self.layout.peer_config(name)
        self.pids[name] = processes.spawn(
            ["peer", "run", "--config", str(config)], self.layout.peer_log(name)
        )
        deadline = time.monotonic() + WAIT_S
        while not processes.healthy(self.org(name).api_url):
            assert time.monotonic() < deadline, processes.log_tail(self.layout.peer_log(name))
            time.sleep(0.1)

    def height(self, name: str) -> int:
        height = self.status(name)["height"]
        assert isinstance(height, int)
        return height

    def chain(self, name: str, height: int) -> list[tuple[str, str]]:
        """(block hash, state root) of blocks 1..height as this org's peer serves them."""
        with Client(self.org(name).api_url, timeout=WAIT_S) as client:
            blocks = [client.block(self.manifest.ledger, h) for h in range(1, height + 1)]
        return [(b.hash.to_base58(), b.header.state_root.to_base58()) for b in blocks]


@pytest.fixture(params=["classic", "sm"])
def net(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Net]:
    root = tmp_path / "net"
    spec = NetSpec(
        orgs=4,
        consensus="bft",
        suite=request.param,
        gateway_port=free_port(),
        view_change_timeout_ms=VIEW_CHANGE_TIMEOUT_MS,
    )
    result = network.up(root, spec, progress=lambda _: None)
    print(f"net up ({request.param}): {result.seconds:.1f} s")
    handle = Net(root, result.manifest)
    try:
        handle.client.submit(handle.manifest.ledger, _open(handle))
        yield handle
    finally:
        handle.client.close()
        for name, pid in handle.pids.items():
            if pid is not None:
                processes.stop([(pid, str(handle.layout.peer_config(name)))])
        network.down(root)


def _open(net: Net) -> m.SignedTransaction:
    return TxBuilder(net.manifest.ledger).register_data_account(net.account.public).sign(net.admin)


def _commit(net: Net, count: int) -> float:
    """Submit `count` writes through the gateway in batches; all must commit. Seconds taken."""
    started = time.monotonic()
    txs = net.writes(count)
    for start in range(0, count, 250):
        answers = net.client.submit_batch(net.manifest.ledger, txs[start : start + 250])
        statuses = [a.status for a in answers]
        assert statuses == [SubmitStatus.COMMITTED] * len(answers), (answers[0], _statuses(net))
    return time.monotonic() - started


def _statuses(net: Net) -> dict[str, object]:
    """Every reachable peer's network status, for failure messages."""
    found: dict[str, object] = {}
    for name, pid in net.pids.items():
        try:
            found[name] = net.status(name) if pid is not None else "down"
        except httpx.HTTPError as error:
            found[name] = f"unreachable: {error}"
    return found


def _same_everywhere(net: Net, names: list[str]) -> int:
    deadline = time.monotonic() + WAIT_S
    while len({net.height(name) for name in names}) != 1:
        assert time.monotonic() < deadline, {name: net.height(name) for name in names}
        time.sleep(0.2)
    height = net.height(names[0])
    chains = {name: net.chain(name, height) for name in names}
    assert all(chain == chains[names[0]] for chain in chains.values())
    return height


def test_four_orgs_commit_survive_the_leader_and_two_down(net: Net) -> None:
    names = [org.name for org in net.manifest.orgs]
    seconds = _commit(net, 1000)
    print(f"1,000 transactions committed in {seconds:.1f} s")

    leader = net.leader(names[0])
    net.kill(leader)
    seconds = _commit(net, 20)  # the gateway fails over; the others change view
    print(f"after killing the leader {leader}: committed again in {seconds:.1f} s")
    alive = [name for name in names if name != leader]
    assert net.leader(alive[0]) != leader
    net.restart(leader)
    _commit(net, 20)
    _same_everywhere(net, names)  # the old leader caught up

    _same_everywhere(net, names)  # nothing in flight when two go down
    down = [alive[0], alive[1]]
    for name in down:
        net.kill(name)
    up = [name for name in names if name not in down]
    before = {name: net.height(name) for name in up}
    [queued] = net.client.submit_batch(net.manifest.ledger, net.writes(1), wait=False)
    assert queued.status is SubmitStatus.ACCEPTED
    time.sleep(3 * VIEW_CHANGE_TIMEOUT_MS / 1000)
    assert {name: net.height(name) for name in up} == before  # no quorum: nothing commits
    assert not any(net.status(name)["diverged"] for name in up)

    net.restart(down[0])
    _commit(net, 10)
    net.restart(down[1])
    height = _same_everywhere(net, names)
    assert height >= 5
    assert not any(net.status(name)["diverged"] for name in names)
