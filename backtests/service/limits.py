"""Per-client rate limits of the service: a token bucket per client address, memory bounded.

A client (the TCP peer's address) has a bucket of `burst` tokens that refills at the
limit's rate; each request takes one, and a request that finds the bucket empty is refused
with the time until the next token. Requests fall into groups, each with its own bucket per
client: the API, and monitoring (``/v1/health`` and ``/metrics``), so that a bot stuck in
a loop on ``/v1/score`` is refused without failing the container probes and Prometheus
scrapes that share its address. At most :data:`MAX_CLIENTS` buckets are kept; the one
used least recently goes first (an evicted client starts again with a full bucket).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from signals.errors import ConfigError

__all__ = ["DEFAULT_BURST", "DEFAULT_LIMIT", "DEFAULT_RATE", "MAX_CLIENTS", "RateLimit",
           "RateLimiter", "parse_rate"]

#: The default sustained rate per client address, and its burst. Every bot on one machine
#: shares the loopback address, so the default admits a machine's worth of them (50 bots
#: polling every 10 s) and still stops one stuck in a loop.
DEFAULT_RATE = "300/minute"
DEFAULT_BURST = 60
#: Most client buckets kept in memory at once.
MAX_CLIENTS = 10_000

_UNITS = {"second": 1.0, "s": 1.0, "sec": 1.0, "minute": 60.0, "min": 60.0, "m": 60.0,
          "hour": 3600.0, "h": 3600.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class RateLimit:
    """How many requests a client may make.

    Attributes
    ----------
    requests : int
        Requests per `per_seconds`, sustained (> 0).
    per_seconds : float
        The period of `requests`, in seconds.
    burst : int
        Requests a client may make at once after being idle: the bucket's size (> 0).
    text : str
        The rate as it was given (``"300/minute"``), for messages.
    """

    requests: int
    per_seconds: float
    burst: int
    text: str

    @property
    def per_second(self) -> float:
        """Tokens a bucket regains each second."""
        return self.requests / self.per_seconds

    def __str__(self) -> str:
        return f"{self.text} per client address, bursts of {self.burst}"


def parse_rate(text: str, burst: int = DEFAULT_BURST) -> RateLimit | None:
    """A rate limit from its text: ``"300/minute"``, ``"5/second"``, ``"1000/hour"``.

    Parameters
    ----------
    text : str
        ``N/unit`` with unit ``second`` (``s``), ``minute`` (``min``) or ``hour`` (``h``);
        ``"off"`` or ``"0"`` for no limit.
    burst : int
        Requests at once (> 0).

    Returns
    -------
    RateLimit or None
        ``None`` for no limit.

    Raises
    ------
    ConfigError
        The text or the burst is not valid.
    """
    text = str(text).strip().lower()
    if text in ("off", "0", "none"):
        return None
    match = _RATE.match(text)
    if match is None or match.group(2) not in _UNITS or int(match.group(1)) <= 0:
        raise ConfigError(f"rate limit must be N/second, N/minute or N/hour with N > 0, or "
                          f"'off'; got {text!r}. Example: 300/minute")
    if not isinstance(burst, int) or burst <= 0:
        raise ConfigError(f"rate limit burst must be a whole number > 0; got {burst!r}")
    unit = match.group(2)
    name = {1.0: "second", 60.0: "minute", 3600.0: "hour"}[_UNITS[unit]]
    return RateLimit(int(match.group(1)), _UNITS[unit], burst, f"{match.group(1)}/{name}")


#: The default limit (:data:`DEFAULT_RATE`, :data:`DEFAULT_BURST`).
DEFAULT_LIMIT = parse_rate(DEFAULT_RATE, DEFAULT_BURST)


class RateLimiter:
    """Token buckets per (group, client address), the least recently used evicted first.

    Parameters
    ----------
    limit : RateLimit
        The rate and burst of every bucket.
    max_clients : int
        Most buckets kept (:data:`MAX_CLIENTS`).
    clock : callable
        Seconds, monotonic; default :func:`time.monotonic`.
    """

    def __init__(self, limit: RateLimit, *, max_clients: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.max_clients, self.clock = limit, max_clients, clock
        self.buckets: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, group: str, client: str) -> float:
        """Take a token from the client's bucket in `group`.

        Returns
        -------
        float
            ``0.0`` when the request may go ahead, else the seconds until a token is back
            (the request is refused and takes nothing).
        """
        now, key = self.clock(), (group, client)
        with self.lock:
            tokens, then = self.buckets.pop(key, (self.limit.burst, now))
            tokens = min(self.limit.burst, tokens + (now - then) * self.limit.per_second)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.limit.per_second
            self.buckets[key] = [tokens - 1 if wait == 0.0 else tokens, now]
            while len(self.buckets) > self.max_clients:
                self.buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> int:
        """`wait` as HTTP's ``Retry-After``: whole seconds, at least 1."""
        return max(1, math.ceil(wait))
