"""Load generators for `make bench`: wrk (Debian's package) when installed, else
a small Python one. Both are bounded in time and in requests, and refuse any
host but 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"

WRK_SCRIPT = r"""
local paths = {%(paths)s}
local cookie = "%(cookie)s"
local cap = %(cap)d
local counter = 0
local completed = 0
function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path, {["Cookie"] = cookie, ["X-Forwarded-Proto"] = "https"})
end
function response(status, headers, body)
  completed = completed + 1
  if completed >= cap then wrk.thread:stop() end
end
function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "errors": %%d, "non2xx": %%d, ' ..
    '"p50": %%f, "p95": %%f, "p99": %%f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


@dataclass
class Result:
    requests: int
    seconds: float
    errors: int
    p50: float  # milliseconds
    p95: float
    p99: float
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run(
    *, port: int, paths: list[str], cookie: str, users: int, seconds: float, max_requests: int
) -> Result:
    runner = run_wrk if shutil.which("wrk") else run_python  # wrk when Debian's is there
    return runner(
        port=port,
        paths=paths,
        cookie=cookie,
        users=users,
        seconds=seconds,
        max_requests=max_requests,
    )


def run_wrk(*, port, paths, cookie, users, seconds, max_requests) -> Result:
    threads = min(users, 2)
    lua = WRK_SCRIPT % {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "cookie": cookie,
        "cap": max(1, max_requests // threads),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(
            [
                "wrk", f"-t{threads}", f"-c{users}", f"-d{max(1, round(seconds))}s",
                "--timeout", "10s", "-s", script.name, f"http://{HOST}:{port}",
            ],
            capture_output=True, text=True, timeout=seconds + 60, check=False,
        )  # fmt: skip
    finally:
        Path(script.name).unlink()
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if out.returncode or line is None:
        raise RuntimeError(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")
    data = json.loads(line)
    return Result(
        requests=data["requests"],
        seconds=data["seconds"],
        errors=data["errors"] + data["non2xx"],
        p50=data["p50"],
        p95=data["p95"],
        p99=data["p99"],
        tool="wrk",
    )


def run_python(*, port, paths, cookie, users, seconds, max_requests) -> Result:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    budget = [max_requests]

    def user(offset: int):
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        n = offset
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            path = paths[n % len(paths)]
            n += 1
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            took = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(took)
                if not ok:
                    errors[0] += 1
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    if len(latencies) < 2:
        latencies = latencies * 2 or [0.0, 0.0]
    cuts = statistics.quantiles(latencies, n=100)
    return Result(
        requests=len(latencies) - (0 if len(latencies) > 2 else 0),
        seconds=elapsed,
        errors=errors[0],
        p50=cuts[49],
        p95=cuts[94],
        p99=cuts[98],
        tool="python",
    )


def combine(results: list[Result]) -> Result:
    """Rounds of one page: throughput over all of them, the median round's latencies."""
    return Result(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        errors=sum(r.errors for r in results),
        p50=statistics.median(r.p50 for r in results),
        p95=statistics.median(r.p95 for r in results),
        p99=statistics.median(r.p99 for r in results),
        tool=results[0].tool,
    )
