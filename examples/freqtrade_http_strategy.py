"""A freqtrade strategy that asks a running ``riskoff serve`` whether to hold BTC/ETH.

The other way to the gate of ``freqtrade_strategy.py``: that one imports riskoff and
computes the score inside the bot; this one reads the verdict over HTTP from one
``riskoff serve`` that keeps the data current for every bot on the machine, so riskoff need
not be installed beside freqtrade (this file needs only freqtrade and the standard library).

In live and dry-run, every ``poll_every`` the strategy GETs ``/v1/score`` with a timeout and
keeps what it got: the reading, or why there is none. It takes risk (``confirm_trade_entry``
lets an entry through) only on a reading that

- came from the service: reached within ``timeout_s``, answered 200 with a reading;
- is recent: taken by the service at most ``max_reading_lag`` before the bot's clock (a
  service that stopped, or a cache in between, serves old readings), judged again at each
  use, so a verdict that was fine when read goes out of date when polling stops;
- rests on fresh data: ``stale`` false and the score row at most ``max_score_age`` old;
- allows risk (``allow_risk``: a usable score below the stress level, where the default
  backtest rule exits).

Anything else is "no risk taken": no new entry. An open trade is closed (``custom_exit``)
only on a recent verdict from fresh data that refuses risk, never because the service could
not be reached or its data are old: not knowing is no reason to sell.

Copy it into ``user_data/strategies/`` and run ``freqtrade trade --strategy
RiskOffHttpStrategy`` (live or ``--dry-run``) beside ``riskoff serve``. It reads the live
service only and refuses every entry in backtesting: backtest ``RiskOffStrategy``, which
computes the same score candle by candle.

Run as a script, it prints the verdict it would act on now:
``python examples/freqtrade_http_strategy.py [http://127.0.0.1:8765]``.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import ClassVar, NamedTuple

import pandas as pd
from freqtrade.strategy import IStrategy

logger = logging.getLogger(__name__)


class Verdict(NamedTuple):  # not a dataclass: freqtrade loads strategies outside sys.modules
    """What the strategy does with a reading.

    Attributes
    ----------
    allow : bool
        Take risk: let entries through.
    refuse : bool
        A recent verdict from fresh data that refuses risk: close open trades.
    reason : str
        Why, in a few words.
    """

    allow: bool
    refuse: bool
    reason: str


def fetch_reading(url: str, timeout: float) -> dict | str:
    """GET ``/v1/score`` from the service at `url`: the reading, or why there is none."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/v1/score", timeout=timeout) as answer:
            reading = json.load(answer)
    except (OSError, ValueError) as exc:  # unreachable, timed out, an HTTP error, not JSON
        return f"the service at {url} gave no reading ({type(exc).__name__}: {exc})"
    return reading if isinstance(reading, dict) else f"the service at {url} sent no reading"


def judge(reading: dict | str, now: datetime, *, max_reading_lag: timedelta,
          max_score_age: timedelta) -> Verdict:
    """The verdict on `reading` (from :func:`fetch_reading`) at the bot's time `now` (UTC)."""
    if isinstance(reading, str):
        return Verdict(False, False, f"no risk taken: {reading}")
    try:
        lag = now - datetime.fromisoformat(reading["as_of"])
        stale, age = reading["stale"], reading["age_days"]
        score_age = None if age is None else timedelta(days=age)
        allow, decision = reading["allow_risk"], str(reading["decision"])
    except (KeyError, TypeError, ValueError) as exc:
        return Verdict(False, False, f"no risk taken: not a reading ({exc!r})")
    if lag > max_reading_lag:
        return Verdict(False, False, f"no risk taken: the reading was taken {lag} ago, more "
                                     f"than {max_reading_lag}")
    if stale is not False or score_age is None or score_age > max_score_age:
        return Verdict(False, False, f"no risk taken: the score rests on old data (stale: "
                                     f"{stale}, {age} days old; limit {max_score_age})")
    return Verdict(allow is True, allow is False, decision)


class RiskOffHttpStrategy(IStrategy):
    """Long BTC/ETH while a running ``riskoff serve`` allows risk; out when it refuses."""

    INTERFACE_VERSION = 3
    timeframe = "1h"
    can_short = False
    minimal_roi: ClassVar[dict] = {"0": 100.0}  # exits come from the service, not targets
    stoploss = -0.99
    startup_candle_count = 0
    process_only_new_candles = True

    service_url = "http://127.0.0.1:8765"   # where riskoff serve listens
    timeout_s = 5.0                          # longest wait for an answer
    poll_every = timedelta(minutes=1)        # how often to ask
    max_reading_lag = timedelta(minutes=10)  # oldest reading acted on, by the bot's clock
    max_score_age = timedelta(days=3)        # oldest score row acted on (the service's hold)

    def bot_start(self, **kwargs) -> None:
        """No reading yet: no risk until the service has answered."""
        self._reading: dict | str = "no reading yet"
        self._polled_at: datetime | None = None

    def bot_loop_start(self, current_time: datetime, **kwargs) -> None:
        """In live and dry-run, ask the service at most every ``poll_every``."""
        if self.dp.runmode.value not in ("live", "dry_run"):
            self._reading = "the service is read in live and dry-run only"
            return
        if self._polled_at is not None and current_time - self._polled_at < self.poll_every:
            return
        self._polled_at = current_time
        self._reading = fetch_reading(self.service_url, self.timeout_s)

    def verdict(self, now: datetime) -> Verdict:
        """The last reading judged at `now` (a naive time is UTC)."""
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        return judge(self._reading, now, max_reading_lag=self.max_reading_lag,
                     max_score_age=self.max_score_age)

    def confirm_trade_entry(self, pair: str, order_type: str, amount: float, rate: float,
                            time_in_force: str, current_time: datetime, entry_tag: str | None,
                            side: str, **kwargs) -> bool:
        """Enter only when the service's recent verdict from fresh data allows risk."""
        verdict = self.verdict(current_time)
        if not verdict.allow:
            logger.info("%s: entry refused: %s", pair, verdict.reason)
        return verdict.allow

    def custom_exit(self, pair: str, trade, current_time: datetime, current_rate: float,
                    current_profit: float, **kwargs) -> str | None:
        """Exit on a recent verdict from fresh data that refuses risk."""
        verdict = self.verdict(current_time)
        return f"riskoff: {verdict.reason}" if verdict.refuse else None

    def populate_indicators(self, dataframe: pd.DataFrame, metadata: dict) -> pd.DataFrame:
        """Nothing from the candles: the service decides."""
        return dataframe

    def populate_entry_trend(self, dataframe: pd.DataFrame, metadata: dict) -> pd.DataFrame:
        """Always ready to enter; ``confirm_trade_entry`` asks the service."""
        dataframe["enter_long"] = 1
        return dataframe

    def populate_exit_trend(self, dataframe: pd.DataFrame, metadata: dict) -> pd.DataFrame:
        """No exit signal from the candles; ``custom_exit`` asks the service."""
        dataframe["exit_long"] = 0
        return dataframe


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else RiskOffHttpStrategy.service_url
    verdict = judge(fetch_reading(url, RiskOffHttpStrategy.timeout_s), datetime.now(UTC),
                    max_reading_lag=RiskOffHttpStrategy.max_reading_lag,
                    max_score_age=RiskOffHttpStrategy.max_score_age)
    print(("take risk: " if verdict.allow else "") + verdict.reason)
