"""A freqtrade strategy that steps out of BTC/ETH when the Japan carry machine turns.

Out when the risk-off score reaches the stress level, back once it calms below the watch
level: the research protocol's default rule, the one ``riskoff backtest`` runs
(docs/choice.md).

Copy it into ``user_data/strategies/`` (riskoff installed beside freqtrade) and run e.g.
``freqtrade backtesting --strategy RiskOffStrategy --timeframe 1d``. The macro data are
loaded in ``bot_start`` and refreshed in ``bot_loop_start`` (live and dry-run: hourly, from
the network, falling back to the store), both through ``use_macro``; every candle sees only
the score available at its close (``signals.freqtrade.add_risk_off``).

This is the import way: riskoff runs inside the bot. The HTTP way,
``freqtrade_http_strategy.py``, asks a running ``riskoff serve`` for the live verdict instead
(one process keeps the data current for every bot; riskoff need not be installed beside
freqtrade) and takes no risk when the service cannot be reached or its reading is old. Use
this one to backtest, that one or this one to trade.

Lookahead has two sides here, and each has its check:

- the candle side (indicators from the candles): ``freqtrade lookahead-analysis
  --strategy RiskOffStrategy`` cuts the candles and compares;
- the macro side (the ``riskoff_*`` columns): freqtrade's analysis never cuts the macro
  data (the score is computed once, in ``bot_start``), so it cannot see a macro leak.
  ``signals.freqtrade.check_macro_lookahead(RiskOffStrategy(config), candles)`` cuts the
  macro data at many times, feeding each cut through ``use_macro``, and compares.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar

import pandas as pd
from freqtrade.strategy import IStrategy

import signals
from signals.freqtrade import add_risk_off


class RiskOffStrategy(IStrategy):
    """Long BTC/ETH while the risk-off score is calm; out when it passes the threshold."""

    INTERFACE_VERSION = 3
    timeframe = "1d"
    can_short = False
    minimal_roi: ClassVar[dict] = {"0": 100.0}  # exits come from the score, not profit targets
    stoploss = -0.99
    startup_candle_count = 0
    process_only_new_candles = True

    exit_above = dict(signals.REGIMES)["stress"]    # the score at which to step out
    reenter_below = dict(signals.REGIMES)["watch"]  # and below which to come back
    refresh_every = timedelta(hours=1)

    def bot_start(self, **kwargs) -> None:
        """Load the macro data and compute the score once."""
        self._refreshed_at = datetime.min
        self.use_macro(self._load(refresh=False))

    def bot_loop_start(self, current_time: datetime, **kwargs) -> None:
        """In live and dry-run, refresh the macro data from the network at most hourly."""
        if self.dp.runmode.value not in ("live", "dry_run"):
            return
        if current_time.replace(tzinfo=None) - self._refreshed_at < self.refresh_every:
            return
        self._refreshed_at = current_time.replace(tzinfo=None)
        self.use_macro(self._load(refresh=True))

    @staticmethod
    def _load(refresh: bool) -> signals.MacroData:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bundled data and failed refreshes: the store is used
            return signals.load_macro(refresh=refresh)

    def use_macro(self, macro: Mapping[str, pd.Series]) -> None:
        """The one way macro data come in: compute the score the candles will see.

        ``check_macro_lookahead`` calls it with the data cut at many times; anything the
        strategy derives from macro data belongs here, so that the check covers it.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # components with no data count as missing
            self._scores = signals.risk_off_score(macro)

    def populate_indicators(self, dataframe: pd.DataFrame, metadata: dict) -> pd.DataFrame:
        """The score, its regime and two components, as of each candle's close."""
        return add_risk_off(dataframe, self._scores, self.timeframe,
                            components=("yen_rally", "jgb_10y_rise"))

    def populate_entry_trend(self, dataframe: pd.DataFrame, metadata: dict) -> pd.DataFrame:
        """Enter while the score is calm."""
        dataframe.loc[dataframe["riskoff_score"] < self.reenter_below, "enter_long"] = 1
        return dataframe

    def populate_exit_trend(self, dataframe: pd.DataFrame, metadata: dict) -> pd.DataFrame:
        """Exit once the score reaches the threshold."""
        dataframe.loc[dataframe["riskoff_score"] >= self.exit_above, "exit_long"] = 1
        return dataframe
