"""RocksDB under SIGKILL: a store holds all of a batch or none of it, and keeps what it acked.

A child process writes numbered batches (50 block keys plus `height`, one `WriteBatch` each) in a
tight loop and prints every height once `write` has returned; the parent kills it at a random
moment, reopens the store and checks it, then lets a new child continue from the stored height.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jadechain.storage.base import StorageError
from jadechain.storage.rocksdb import RocksDBStore

KEYS_PER_BATCH = 50
ROUNDS = 5
STEP_TIMEOUT = 30.0  # seconds for any one wait on a child

WRITER = """
import sys
from pathlib import Path

from jadechain.storage.base import WriteBatch
from jadechain.storage.rocksdb import RocksDBStore

store = RocksDBStore(Path(sys.argv[1]), cache_bytes=8 << 20)
stored = store.get(b"height")
height = -1 if stored is None else int(stored)
padding = bytes(range(256)) * 2  # ~25 KiB a batch: WAL records straddle its 32 KiB blocks
while True:
    height += 1
    batch = WriteBatch()
    for i in range(50):
        batch.put(b"blk/%08d/%03d" % (height, i), b"%d/" % height + padding)
    batch.put(b"height", b"%d" % height)
    store.write(batch)
    sys.stdout.write("%d\\n" % height)
    sys.stdout.flush()
"""

HOLDER = """
import sys
import time
from pathlib import Path

from jadechain.storage.rocksdb import RocksDBStore

store = RocksDBStore(Path(sys.argv[1]), cache_bytes=1 << 20)
print("open", flush=True)
time.sleep(60)
"""


class Child:
    """`sys.executable -c script path`, its stdout lines queued by a thread, with timeouts."""

    def __init__(self, script: str, path: Path) -> None:
        env = dict(os.environ)
        source = str(Path(__file__).resolve().parents[2] / "src")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.strip())
        self._lines.put(None)  # end of output

    def next_line(self) -> str | None:
        """The next line printed, or None once the child's output ended."""
        try:
            return self._lines.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            self.kill()
            pytest.fail(f"the child printed nothing for {STEP_TIMEOUT} s")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STEP_TIMEOUT)

    def stderr(self) -> str:
        self.kill()
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def close(self) -> None:
        """Kill the child if it still runs, wait for its output to end, close its pipes."""
        self.kill()
        self._reader.join(timeout=STEP_TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def check_store(path: Path) -> int:
    """The stored height h, after checking batches 0..h are whole and nothing else exists."""
    store = RocksDBStore(path, cache_bytes=8 << 20)
    try:
        raw = store.get(b"height")
        assert raw is not None, "not even batch 0 was stored"
        height = int(raw)
        expected_keys = [
            b"blk/%08d/%03d" % (number, i)
            for number in range(height + 1)
            for i in range(KEYS_PER_BATCH)
        ]
        stored = list(store.scan(b"blk/"))
        assert [key for key, _ in stored] == expected_keys  # all of 0..h, nothing of h+1
        for key, value in stored:
            assert value.startswith(b"%d/" % int(key[4:12]))
        assert list(store.scan(b"blk/%08d/" % (height + 1))) == []
        return height
    finally:
        store.close()


@pytest.mark.timeout(120)
def test_sigkill_leaves_whole_batches_and_loses_no_acknowledged_one(tmp_path: Path) -> None:
    path = tmp_path / "db"
    rng = random.Random()
    stored_height = -1
    for round_number in range(ROUNDS):
        child = Child(WRITER, path)
        acknowledged: list[int] = []
        try:
            wanted = rng.randint(3, 150)  # batches this child must commit before the kill
            while len(acknowledged) < wanted:
                line = child.next_line()
                if line is None:
                    pytest.fail(f"the writer died in round {round_number}: {child.stderr()}")
                acknowledged.append(int(line))
            time.sleep(rng.uniform(0, 0.01))  # let the kill land somewhere inside a write
            child.kill()
            while (line := child.next_line()) is not None:  # acks printed before the kill
                acknowledged.append(int(line))
        finally:
            child.close()
        assert child.process.returncode == -signal.SIGKILL

        assert acknowledged[0] == stored_height + 1  # the child went on from the stored height
        height = check_store(path)
        assert max(acknowledged) <= height, "an acknowledged batch was lost"
        assert height <= max(acknowledged) + 1  # at most the one batch not yet acknowledged
        stored_height = height


@pytest.mark.timeout(60)
def test_a_store_open_in_another_process_is_in_use(tmp_path: Path) -> None:
    path = tmp_path / "db"
    holder = Child(HOLDER, path)
    try:
        assert holder.next_line() == "open", holder.stderr()
        with pytest.raises(StorageError, match="in use by another process") as raised:
            RocksDBStore(path, cache_bytes=1 << 20)
        assert str(path) in str(raised.value)
    finally:
        holder.close()
    # The lock died with the process that held it.
    RocksDBStore(path, cache_bytes=1 << 20).close()
