"""Run a command and sample the memory of its whole process tree (the parent and every pool worker)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    returncode: int
    wall: float
    peak_rss: int  # bytes: the largest sum of RSS over the tree seen at one sample
    stdout: str
    stderr: str


def _tree_rss(proc: object) -> int:
    import psutil

    assert isinstance(proc, psutil.Process)
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(cmd: Sequence[str], env: Mapping[str, str] | None = None, interval: float = 0.05, cwd: str | None = None) -> Measured:
    import psutil

    started = time.perf_counter()
    child = subprocess.Popen(
        list(cmd), env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        proc = psutil.Process(child.pid)
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    return Measured(child.returncode, wall, peak, out, err)
