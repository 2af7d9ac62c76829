"""CPU time of the bench's processes, read from /proc (Linux): the web server's
(gunicorn's master and workers) and the database's (the bench database's
backends and the server's own processes), so a page's throughput can be split
into the two costs that share the machine's cores.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, list[str]] | None:
    """(command name, the fields after it) of /proc/<pid>/stat; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    return head.partition("(")[2], rest.split()


def children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far."""
    return sum(cpu_ticks(pids).values()) / TICK


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def postgres_cpu_ticks(database: str) -> dict[int, int]:
    """User + system CPU ticks so far of each PostgreSQL process that works for
    ``database``, by pid: its backends (a title "postgres: …: user database host(port) …")
    and the server's own processes (checkpointer, writers: no client in their title).
    Another database's backends (a data generator, CI) are left out."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] != "postgres":
            continue
        title = _title(int(entry.name))
        if "(" in title and f" {database} " not in title:
            continue  # a backend of another database
        ticks[int(entry.name)] = int(stat[1][11]) + int(stat[1][12])  # utime, stime
    return ticks


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """User + system CPU ticks so far of these processes, by pid."""
    ticks = {}
    for pid in pids:
        stat = _stat(pid)
        if stat:
            ticks[pid] = int(stat[1][11]) + int(stat[1][12])
    return ticks


def spent_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds spent between two readings, process by process: a process started
    since counts from zero; one that has exited since (a backend whose connection
    closed at ``DB_CONN_MAX_AGE``, an autovacuum worker) counts nothing, where a plain
    difference of the sums went negative (the 2026-12-04 run's DB CPU of -2.0 ms)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / TICK


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine, every core."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)
