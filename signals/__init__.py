"""riskoff signals: macro data in, risk-off scores out.

The public surface is listed in ``__all__``. Names are imported on first use, so that
``import signals`` is instant and pandas, ccxt and yfinance load only when needed.

Data
    :func:`load_macro` (every macro series with its availability times, as
    :class:`MacroData`), :class:`Store` (the local SQLite store).
Errors
    :class:`RiskoffError` and its children :class:`DataSourceError`,
    :class:`DataContractError`, :class:`ConfigError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_macro": "signals.macro",
    "MacroData": "signals.macro",
    "BundledDataWarning": "signals.macro",
    "Store": "signals.store",
    "RiskoffError": "signals.errors",
    "DataSourceError": "signals.errors",
    "DataContractError": "signals.errors",
    "ConfigError": "signals.errors",
}

__all__ = [
    "BundledDataWarning",
    "ConfigError",
    "DataContractError",
    "DataSourceError",
    "MacroData",
    "RiskoffError",
    "Store",
    "load_macro",
]

if TYPE_CHECKING:
    from signals.errors import ConfigError, DataContractError, DataSourceError, RiskoffError
    from signals.macro import BundledDataWarning, MacroData, load_macro
    from signals.store import Store


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'signals' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
