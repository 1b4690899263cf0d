"""Rules: how a risk-off score becomes a target exposure, decided at each candle's close.

A rule maps the score each candle saw at its close (see :func:`signals.align_to_bars`) to
the fraction of equity to hold from the next candle on: 1 fully long, 0 flat, negative a
short hedge. A missing score (no data yet, or too little fresh weight) keeps the previous
decision; before the first score the rule is fully risk-on, like buy-and-hold.

Rules as text, for the command line and config files (:func:`parse_rule`):

===================================== ====================================================
``threshold:70``                      long below 70, flat from 70 (exit and re-enter at 70)
``threshold:70:55``                   flat from 70, long again only below 55 (hysteresis)
``threshold:70:55:-0.5``              as above, but 50% short instead of flat (a hedge)
``linear:50:80``                      100% long at or below 50, 0% at or above 80, linear
``regime:calm=1,watch=1,stress=0.5,unwind=0``   exposure by regime
===================================== ====================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from numba import njit

from signals.errors import ConfigError

__all__ = ["ByRegime", "Custom", "Linear", "Rule", "Threshold", "parse_rule", "smooth"]


@njit(cache=True)
def _hysteresis(score, exit_above, reenter_below, risk_on, risk_off):  # pragma: no cover
    out = np.empty(score.shape[0])
    off = False
    for t in range(score.shape[0]):
        s = score[t]
        if s == s:  # not NaN: update the state, else keep it
            if off:
                if s < reenter_below:
                    off = False
            elif s >= exit_above:
                off = True
        out[t] = risk_off if off else risk_on
    return out


def smooth(score: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean of the last `window` scores (NaN skipped); ``window=1`` is the score."""
    if window == 1:
        return score
    return pd.Series(score).rolling(window, min_periods=1).mean().to_numpy()


def _hold_missing(exposure: np.ndarray, start: float) -> np.ndarray:
    """Where `exposure` is NaN keep the previous value; `start` before the first one."""
    frame = pd.Series(exposure).ffill().fillna(start)
    return frame.to_numpy(dtype="float64")


def _check_smoothing(smoothing: int) -> None:
    if isinstance(smoothing, bool) or not isinstance(smoothing, int) or smoothing < 1:
        raise ConfigError(f"smoothing must be a whole number of candles >= 1; got {smoothing!r}")


@dataclass(frozen=True)
class Threshold:
    """Long below a score, out (or short) above it, with optional hysteresis.

    Parameters
    ----------
    exit_above : float
        Score (0-100) at or above which the position goes to `risk_off`.
    reenter_below : float, optional
        Score below which it comes back to `risk_on`; default `exit_above`. Lower values
        make a band that stops the rule flapping around one level.
    risk_off : float
        Exposure while risk-off: 0 flat, negative a short hedge (needs ``allow_short``).
    risk_on : float
        Exposure otherwise.
    smoothing : int
        Trailing mean of the score over this many candles first (1: none).
    """

    exit_above: float = 70.0
    reenter_below: float | None = None
    risk_off: float = 0.0
    risk_on: float = 1.0
    smoothing: int = 1

    def __post_init__(self) -> None:
        _check_smoothing(self.smoothing)
        low = self.exit_above if self.reenter_below is None else self.reenter_below
        if low > self.exit_above:
            raise ConfigError(f"reenter_below ({low}) must not be above exit_above "
                              f"({self.exit_above}); e.g. threshold:70:55")

    def __str__(self) -> str:
        parts = [self.exit_above]
        if self.reenter_below is not None or self.risk_off != 0.0:
            parts.append(self.exit_above if self.reenter_below is None else self.reenter_below)
        if self.risk_off != 0.0:
            parts.append(self.risk_off)
        text = "threshold:" + ":".join(f"{p:g}" for p in parts)
        return text + (f" (smoothed over {self.smoothing})" if self.smoothing > 1 else "")

    def exposure(self, aligned: pd.DataFrame) -> np.ndarray:
        """Target exposure per candle from its aligned score."""
        return self.exposure_of(aligned["score"].to_numpy(dtype="float64"))

    def exposure_of(self, score: np.ndarray) -> np.ndarray:
        """Target exposure per candle from the score it saw (float64, NaN: none)."""
        score = smooth(score, self.smoothing)
        low = self.exit_above if self.reenter_below is None else self.reenter_below
        return _hysteresis(score, float(self.exit_above), float(low), float(self.risk_on),
                           float(self.risk_off))


@dataclass(frozen=True)
class Linear:
    """Exposure scaled linearly between two scores.

    Parameters
    ----------
    full_below : float
        At or below this score, `max_exposure`.
    zero_above : float
        At or above this score, `min_exposure`.
    max_exposure, min_exposure : float
        The two ends (``min_exposure`` negative for a hedge).
    smoothing : int
        Trailing mean of the score over this many candles first.
    """

    full_below: float = 50.0
    zero_above: float = 80.0
    max_exposure: float = 1.0
    min_exposure: float = 0.0
    smoothing: int = 1

    def __post_init__(self) -> None:
        _check_smoothing(self.smoothing)
        if not self.full_below < self.zero_above:
            raise ConfigError(f"linear needs full_below < zero_above; got {self.full_below} "
                              f"and {self.zero_above}, e.g. linear:50:80")

    def __str__(self) -> str:
        text = f"linear:{self.full_below:g}:{self.zero_above:g}"
        return text + (f" (smoothed over {self.smoothing})" if self.smoothing > 1 else "")

    def exposure(self, aligned: pd.DataFrame) -> np.ndarray:
        """Target exposure per candle from its aligned score."""
        return self.exposure_of(aligned["score"].to_numpy(dtype="float64"))

    def exposure_of(self, score: np.ndarray) -> np.ndarray:
        """Target exposure per candle from the score it saw (float64, NaN: none)."""
        score = smooth(score, self.smoothing)
        share = np.clip((self.zero_above - score) / (self.zero_above - self.full_below), 0, 1)
        exposure = self.min_exposure + share * (self.max_exposure - self.min_exposure)
        return _hold_missing(exposure, self.max_exposure)


_DEFAULT_REGIMES = MappingProxyType({"calm": 1.0, "watch": 1.0, "stress": 0.5, "unwind": 0.0})


@dataclass(frozen=True)
class ByRegime:
    """Exposure by regime (see :data:`signals.REGIMES`).

    Parameters
    ----------
    exposures : mapping
        Regime name -> exposure; regimes not named keep exposure 1.
    """

    exposures: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_REGIMES))

    def __post_init__(self) -> None:
        from signals.score.composite import REGIMES

        known = [name for name, _ in REGIMES]
        for name in self.exposures:
            if name not in known:
                raise ConfigError(f"unknown regime {name!r}; regimes are {', '.join(known)}")

    def __str__(self) -> str:
        return "regime:" + ",".join(f"{k}={v:g}" for k, v in self.exposures.items())

    def exposure(self, aligned: pd.DataFrame) -> np.ndarray:
        """Target exposure per candle from its aligned regime."""
        return self.exposure_of(aligned["score"].to_numpy(dtype="float64"))

    def exposure_of(self, score: np.ndarray) -> np.ndarray:
        """Target exposure per candle from the score it saw (float64, NaN: none)."""
        from signals.score.composite import regime_of

        regime = regime_of(pd.Series(score)).astype(object)
        values = regime.map(lambda r: self.exposures.get(r, 1.0) if isinstance(r, str)
                            else np.nan)
        return _hold_missing(values.to_numpy(dtype="float64"), 1.0)


@dataclass(frozen=True)
class Custom:
    """A user's own rule: ``func(aligned) -> exposure`` per candle.

    Parameters
    ----------
    func : callable
        Takes the aligned score frame (one row per candle: ``score``, ``regime``,
        ``coverage``, contributions) and returns exposures (array or Series, same length).
    """

    func: Callable[[pd.DataFrame], object]

    def __str__(self) -> str:
        return f"custom:{getattr(self.func, '__name__', 'function')}"

    def exposure(self, aligned: pd.DataFrame) -> np.ndarray:
        """Target exposure per candle, from the user's function."""
        out = np.asarray(self.func(aligned), dtype="float64")
        if out.shape != (len(aligned),):
            raise ConfigError(f"the rule function returned shape {out.shape}; it must return "
                              f"one exposure per candle ({len(aligned)})")
        return _hold_missing(out, 1.0)


Rule = Threshold | Linear | ByRegime | Custom


def _numbers(text: str, parts: list[str], argument: str) -> list[float]:
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"rule {text!r}: {argument} must be numbers; e.g. threshold:70:55") \
            from None


def parse_rule(rule) -> Rule:
    """A rule from text (see the module docstring), a rule object, or a callable.

    Parameters
    ----------
    rule : str, Rule or callable
        E.g. ``"threshold:70"``, ``Linear(40, 80)`` or ``lambda aligned: ...``.

    Returns
    -------
    Rule
    """
    if isinstance(rule, Threshold | Linear | ByRegime | Custom):
        return rule
    if callable(rule):
        return Custom(rule)
    if not isinstance(rule, str):
        raise ConfigError(f"rule must be text like 'threshold:70', a rule object or a "
                          f"function; got {type(rule).__name__}")
    kind, _, rest = rule.strip().partition(":")
    parts = [p for p in rest.split(":") if p] if rest else []
    if kind == "threshold" and 1 <= len(parts) <= 3:
        numbers = _numbers(rule, parts, "levels")
        return Threshold(numbers[0], *(numbers[1:2] or [None]), *numbers[2:3])
    if kind == "linear" and len(parts) == 2:
        return Linear(*_numbers(rule, parts, "levels"))
    if kind == "regime" and len(parts) == 1:
        try:
            pairs = dict(item.split("=") for item in parts[0].split(","))
            return ByRegime({name.strip(): float(value) for name, value in pairs.items()})
        except ValueError:
            raise ConfigError(f"rule {rule!r}: write regime:calm=1,watch=1,stress=0.5,"
                              "unwind=0") from None
    raise ConfigError(f"rule {rule!r} is not understood; use threshold:70, threshold:70:55, "
                      "threshold:70:55:-0.5, linear:50:80 or regime:calm=1,stress=0.5,unwind=0")
