"""Run a command and sample the memory of its whole process tree (the parent and every pool worker)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Measured:
    returncode: int
    wall: float
    peak_rss: int  # bytes: the largest sum of RSS over the tree seen at one sample
    peak_pss: int  # bytes: the same for PSS
    cpu: float  # seconds of CPU (user + system) used by the tree, as sampled: a busy machine inflates it little
    stdout: str
    stderr: str


def _tree_sample(proc: Any, cpu: dict[int, float]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) over a process and its descendants, noting each one's CPU seconds so far in `cpu`.
    RSS counts a page shared by several processes in each of them; PSS splits it between them, so its sum is the
    memory the tree really holds."""
    import psutil

    rss = pss = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            info = member.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            times = member.cpu_times()
            cpu[member.pid] = times.user + times.system
    return rss, pss


def run(
    cmd: Sequence[str], env: Mapping[str, str] | None = None, interval: float = 0.05, cwd: str | None = None
) -> Measured:
    import psutil

    started = time.perf_counter()
    child = subprocess.Popen(
        list(cmd), env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    peak = [0, 0]
    cpu: dict[int, float] = {}  # the last CPU seconds seen per process of the tree (pool workers are not our children)
    stop = threading.Event()

    def sample() -> None:
        proc = psutil.Process(child.pid)
        while not stop.is_set():
            rss, pss = _tree_sample(proc, cpu)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    # As last sampled: at most one interval of each process is missed.
    return Measured(child.returncode, wall, peak[0], peak[1], sum(cpu.values()), out, err)
