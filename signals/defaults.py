"""The defaults the research protocol chose: method, standardisations, weights, regime levels.

docs/research_protocol.md fixes, before any result is seen, how the score's defaults are
picked on data up to 2020-12-31; ``riskoff study --choose`` runs its rules and writes the
picks to ``signals/defaults.toml`` beside this module (the figures behind them are in
docs/choice.md). This module reads that file once; the registry, the composite, the bots
and the backtest CLI take their defaults from :data:`DEFAULTS`, so no default can drift
from the recorded choice. The file's other lines (the protocol version, the data bundle,
whether the chosen method carried information in the choice period) record how the choice
was made, for a reader; docs/choice.md and docs/evidence.md give those figures in full.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from signals.errors import ConfigError

__all__ = ["DEFAULTS", "LEVEL_NAMES", "ProtocolDefaults", "family_entry_weights",
           "load_defaults", "threshold_rule"]

#: The regimes above ``calm``, in increasing order of risk.
LEVEL_NAMES = ("watch", "stress", "unwind")
PATH = Path(__file__).with_name("defaults.toml")


@dataclass(frozen=True)
class ProtocolDefaults:
    """The protocol's picks.

    Attributes
    ----------
    method : str
        Default aggregation method of :func:`signals.risk_off_score`.
    standardize : mapping
        ``{component: standardisation}`` of the built-in components.
    repatriation_weight : float
        The repatriation family's total weight (0: not in the default score).
    levels : mapping
        ``{method: (watch, stress, unwind)}``, score points where each regime starts.
    """

    method: str
    standardize: Mapping[str, str]
    repatriation_weight: float
    levels: Mapping[str, tuple[float, float, float]]

    def levels_of(self, method: str | None = None) -> tuple[float, float, float]:
        """``(watch, stress, unwind)`` of `method` (default: the default method's)."""
        method = self.method if method is None else method
        if method not in self.levels:
            raise ConfigError(f"no regime levels for method {method!r}; the protocol "
                              f"recorded levels for {', '.join(self.levels)}")
        return self.levels[method]

    def backtest_rule(self, method: str | None = None) -> str:
        """The default backtest rule for `method`'s scores (protocol rule 5).

        Flat from the stress level, long again below the watch level:
        ``"threshold:STRESS:WATCH"`` (see :mod:`backtests.engine.rules`).
        """
        watch, stress, _ = self.levels_of(method)
        return threshold_rule(watch, stress)


def threshold_rule(watch: float, stress: float) -> str:
    """Protocol rule 5: flat from `stress`, long again below `watch` (score points)."""
    return f"threshold:{stress:g}:{watch:g}"


def load_defaults(path: str | Path = PATH) -> ProtocolDefaults:
    """Read a defaults file written by ``riskoff study --choose``.

    Parameters
    ----------
    path : str or Path
        The TOML file; default the package's ``signals/defaults.toml``.

    Returns
    -------
    ProtocolDefaults
    """
    try:
        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        levels = {method: tuple(float(row[name]) for name in LEVEL_NAMES)
                  for method, row in table["levels"].items()}
        out = ProtocolDefaults(
            method=table["method"], standardize=MappingProxyType(dict(table["standardize"])),
            repatriation_weight=float(table["repatriation_weight"]),
            levels=MappingProxyType(levels))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a defaults file written by `riskoff study --choose` "
                          f"({exc}); reinstall riskoff or rerun the command") from exc
    if out.method not in out.levels:
        raise ConfigError(f"{path}: no regime levels for its method {out.method!r}; rerun "
                          "`riskoff study --choose`")
    return out


def family_entry_weights(weights: Mapping[str, tuple[str, float]], family: str,
                         share: float) -> dict[str, float]:
    """Weights with one family at a total of `share`, the others scaled down pro rata.

    Parameters
    ----------
    weights : mapping
        ``{component: (family, weight)}``; the weights outside `family` sum to the total.
    family : str
        The family that enters, its components equal within it.
    share : float
        Its share of the total weight, in [0, 1).

    Returns
    -------
    dict
        ``{component: weight}`` with the same total as the weights outside `family`.
    """
    if not 0 <= share < 1:
        raise ConfigError(f"share must be in [0, 1); got {share}")
    members = [name for name, (fam, _) in weights.items() if fam == family]
    total = sum(w for fam, w in weights.values() if fam != family)
    if share and not members:
        raise ConfigError(f"no component of family {family!r} to give a weight")
    return {name: (total * share / len(members) if fam == family else w * (1 - share))
            for name, (fam, w) in weights.items()}


DEFAULTS = load_defaults()
