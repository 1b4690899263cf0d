"""Load on `riskoff serve`: requests per second and latency of GET /v1/score, and memory.

Starts the real command (``python -m backtests.cli serve``, no scheduler) in its own process
on a free loopback port over a store of the bundled data, then sends a bounded number of
requests from an asyncio httpx client at 1, 10 and 100 concurrent clients, and a long run
to watch the server's memory. The rate limit is on, set far above the load (:data:`LIMIT`),
so that its cost is in the figures and no request is refused. Only 127.0.0.1 is ever
contacted. Prints Markdown.

Run: ``python benchmarks/bench_service.py`` (needs ``pip install -e ".[serve,test]"``).
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import httpx

import signals

REQUESTS = {1: 2_000, 10: 5_000, 100: 10_000}
LONG_RUN = 50_000
#: --rate-limit and --rate-burst: the limiter at work, never refusing.
LIMIT = ("1000000/second", "1000000")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def load(base: str, clients: int, total: int) -> list[float]:
    """Latencies (s) of `total` GETs of /v1/score by `clients` concurrent clients."""
    latencies: list[float] = []
    per_client = total // clients
    # connections idle for 2 s are not reused: uvicorn closes them at 5 s, and a client
    # reusing one as it closes gets "Server disconnected" (seen with 100 clients on a busy
    # machine, where the client takes seconds to send its next request)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients,
                          keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        async def client() -> None:
            for _ in range(per_client):
                started = time.perf_counter()
                response = await http.get("/v1/score")
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def server_time(base: str) -> tuple[float, int]:
    """Total server time of /v1/score (s) and its count so far, from the service's histogram."""
    text = httpx.get(base + "/metrics").text
    values = {}
    for line in text.splitlines():
        if line.startswith("riskoff_http_request_seconds_") and 'path="/v1/score"' in line:
            name, value = line.rsplit(" ", 1)
            values[name.split("{")[0]] = float(value)
    prefix = "riskoff_http_request_seconds"
    return values[f"{prefix}_sum"], int(values[f"{prefix}_count"])


def main() -> None:
    """Run the load and print the table."""
    home = Path(tempfile.mkdtemp(prefix="riskoff-bench-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signals.BundledDataWarning)
        signals.load_macro(store=signals.Store(home))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "RISKOFF_HOME": str(home)}
    log = home / "serve.log"  # the server's messages, kept out of the table
    with open(log, "wb") as messages:
        server = subprocess.Popen([sys.executable, "-m", "backtests.cli", "-q", "serve",
                                   "--port", str(port), "--no-schedule", "--rate-limit",
                                   LIMIT[0], "--rate-burst", LIMIT[1]], env=env,
                                  stdout=messages, stderr=messages)
    try:
        for _ in range(600):
            try:
                httpx.get(base + "/v1/score", timeout=60).raise_for_status()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        before = rss_mib(server.pid)
        print(f"{platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}; "
              f"{time.strftime('%Y-%m-%d')}; client and server on the same machine.\n")
        print("| concurrent clients | requests | requests/s | p50 ms | p99 ms | server ms "
              "(mean) |")
        print("|---|---|---|---|---|---|")
        for clients, total in REQUESTS.items():
            spent, served = server_time(base)
            started = time.perf_counter()
            latencies = asyncio.run(load(base, clients, total))
            elapsed = time.perf_counter() - started
            spent, served = (a - b for a, b in zip(server_time(base), (spent, served),
                                                   strict=True))
            cuts = statistics.quantiles(latencies, n=100)
            print(f"| {clients} | {len(latencies):,} | {len(latencies) / elapsed:,.0f} | "
                  f"{1000 * cuts[49]:.2f} | {1000 * cuts[98]:.2f} | "
                  f"{1000 * spent / served:.3f} |")
        asyncio.run(load(base, 10, LONG_RUN))
        after = rss_mib(server.pid)
        print(f"\nServer ms: the service's own histogram of time inside the app per request "
              f"(queueing in the app's thread pool included). Server memory: {before:.0f} MiB "
              f"after the first reading, {after:.0f} MiB after {LONG_RUN:,} more requests. "
              f"The server's messages: {log}.")
    finally:
        server.terminate()
        server.wait(60)


if __name__ == "__main__":
    main()
