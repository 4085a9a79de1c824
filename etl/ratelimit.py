"""Per-host politeness shared by every process on the machine: a cap on requests in flight to one host and a pause
between two request starts.

The state is a few flock'ed files under the data root, so parallel Airflow tasks reading the same host (several
RSSHub routes, say) share one budget with the threads of each task. Workers on other machines share it only if the
data root is on a file system with working flock; an Airflow pool bounds them otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


class HostLimiter:
    def __init__(self, root: Path) -> None:
        self.root = root

    @contextlib.contextmanager
    def slot(self, host: str, interval: float, concurrency: int) -> Iterator[None]:
        """Hold one of the host's `concurrency` slots, starting no sooner than `interval` after the last start."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = _UNSAFE.sub("_", host)
        held = self._acquire(name, concurrency) if concurrency > 0 else None
        try:
            if interval > 0:
                self._pace(name, interval)
            yield
        finally:
            if held is not None:
                os.close(held)  # closing the descriptor releases its lock

    def _acquire(self, name: str, concurrency: int) -> int:
        while True:
            for i in range(concurrency):
                fd = os.open(self.root / f"{name}.{i}.slot", os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return fd
            time.sleep(0.02 + random.random() * 0.05)

    def _pace(self, name: str, interval: float) -> None:
        # Reserve the next start time under a short lock, then sleep without holding it.
        fd = os.open(self.root / f"{name}.next", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            now = time.time()
            try:
                booked = float(os.pread(fd, 64, 0).decode() or 0)
            except ValueError:
                booked = 0.0
            start = max(now, min(booked, now + 3600))  # a clock step back must not stall a host for long
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{start + interval:.6f}".encode(), 0)
        finally:
            os.close(fd)
        if start > now:
            time.sleep(start - now)
