"""riskoff backtests: risk-off scores against BTC/ETH prices.

Names are imported on first use, like :mod:`signals`, so that importing is instant.

Data
    :func:`load_prices` (OHLCV from the store, an exchange through ccxt, or saved files).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "load_prices": "backtests.prices",
    "StaleCandlesWarning": "backtests.prices",
    "FallbackExchangeWarning": "backtests.prices",
}

__all__ = ["FallbackExchangeWarning", "StaleCandlesWarning", "load_prices"]

if TYPE_CHECKING:
    from backtests.prices import FallbackExchangeWarning, StaleCandlesWarning, load_prices


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'backtests' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
