"""The riskoff exception tree.

::

    RiskoffError                 base of everything riskoff raises on purpose
    ├── DataSourceError          a publisher or exchange failed or sent something unusable;
    │                            carries ``source``, ``series`` and ``url``
    ├── DataContractError        input data breaks a documented contract (index, tz,
    │                            duplicates, units); also a ``ValueError``
    └── ConfigError              a bad option, weights file or setting; also a ``ValueError``

Every message names what is wrong and the fix, in one line, so that the command line can
print it as it is.
"""

from __future__ import annotations

__all__ = ["ConfigError", "DataContractError", "DataSourceError", "RiskoffError"]


class RiskoffError(Exception):
    """Base class of every error riskoff raises on purpose."""


class DataSourceError(RiskoffError):
    """A publisher or exchange failed, refused, or answered with unusable data.

    Parameters
    ----------
    message : str
        What went wrong and what to do about it.
    source : str
        The source's short name, e.g. ``"mof"`` or ``"ccxt:binance"``.
    series : str, optional
        The series or symbol concerned, e.g. ``"fred:DGS10"`` or ``"BTC/USDT"``.
    url : str, optional
        The URL that was requested, when there was one.
    unreachable : bool
        The publisher could not be reached at all (no connection after retries), so other
        downloads from it would fail the same way.
    """

    def __init__(
        self, message: str, *, source: str, series: str | None = None, url: str | None = None,
        unreachable: bool = False,
    ) -> None:
        self.source = source
        self.series = series
        self.url = url
        self.unreachable = unreachable
        where = source + (f" {series}" if series else "")
        text = f"{where}: {message}"
        if url:
            text += f" (url: {url})"
        super().__init__(text)


class DataContractError(RiskoffError, ValueError):
    """Input data breaks a documented contract (index, time zone, duplicates, units)."""


class ConfigError(RiskoffError, ValueError):
    """A bad option, weights file or setting."""
