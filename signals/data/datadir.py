"""A folder of files saved from the publishers, used instead of the network.

Files are recognised by name, at the folder's top or in subfolders such as ``macro/`` and
``crypto/``, with the names of ``../shared/data`` and of the publishers' own downloads
(``mof_jgbcme_all.csv``, ``mof_week.csv``, ``fred_DGS10.csv``,
``cftc_jpy_legacy_futures.csv``, ``tic_mfhhis01.txt``, ``yahoo_JPY=X.csv``,
``binance_BTCUSDT_1d.csv``, ...). Every date in
them is used, however recent. Files riskoff does not know are listed in a warning, never
silently skipped.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from signals.errors import ConfigError
from signals.sources.base import Source, empty_observations

__all__ = ["CANDLE_FILE_PATTERN", "KNOWN_QUOTES", "DataDirScan", "UnknownFilesWarning",
           "read_macro_files", "scan_data_dir"]

#: Quote currencies told apart in a symbol written without a separator (``BTCUSDT``).
KNOWN_QUOTES = ("USDT", "USDC", "BUSD", "USD", "BTC", "ETH", "EUR", "JPY")

#: ``<exchange>_<SYMBOL>_<timeframe>.csv``, e.g. ``binance_BTCUSDT_1d.csv`` or
#: ``kucoin_BTC_USDT_1h.csv``: candles, read by :mod:`backtests.candles.files`. Groups
#: ``exchange``, ``base``/``quote`` (with ``_``) or ``pair_base``/``pair_quote`` (without),
#: and ``timeframe``.
CANDLE_FILE_PATTERN = re.compile(
    r"^(?P<exchange>[a-z][a-z0-9]*)_"
    r"(?:(?P<base>[A-Z0-9]+)_(?P<quote>[A-Z0-9]+)|(?P<pair_base>[A-Z0-9]+?)"
    rf"(?P<pair_quote>{'|'.join(KNOWN_QUOTES)}))"
    r"_(?P<timeframe>[1-9][0-9]*[smhdwM])\.csv$"
)
_IGNORED = re.compile(r"(readme.*|notice.*|license.*|\..*)", re.IGNORECASE)


class UnknownFilesWarning(UserWarning):
    """A data_dir holds files riskoff does not know (they are listed, then ignored)."""


@dataclass
class DataDirScan:
    """What a data_dir holds.

    Attributes
    ----------
    root : Path
        The folder.
    macro : dict
        ``{source name: [paths]}`` for macro files.
    candles : list of Path
        Candle files.
    unknown : list of Path
        Files no source reads.
    """

    root: Path
    macro: dict[str, list[Path]] = field(default_factory=dict)
    candles: list[Path] = field(default_factory=list)
    unknown: list[Path] = field(default_factory=list)


def scan_data_dir(data_dir: str | Path) -> DataDirScan:
    """Sort the files of `data_dir` by the source that reads them.

    Parameters
    ----------
    data_dir : str or Path
        The folder.

    Returns
    -------
    DataDirScan
        Unknown files are also announced with an :class:`UnknownFilesWarning`.
    """
    from signals.sources.registry import source_for_file

    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise ConfigError(f"data_dir {str(root)!r} is not a folder; pass the folder that holds "
                          "the saved files (e.g. one with macro/ and crypto/ inside)")
    scan = DataDirScan(root=root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(_IGNORED.fullmatch(part) for part in path.relative_to(root).parts):
            continue
        source: Source | None = source_for_file(path.name)
        if source is not None:
            scan.macro.setdefault(source.name, []).append(path)
        elif CANDLE_FILE_PATTERN.fullmatch(path.name):
            scan.candles.append(path)
        else:
            scan.unknown.append(path)
    if scan.unknown:
        names = ", ".join(str(p.relative_to(root)) for p in scan.unknown)
        warnings.warn(
            f"data_dir {root}: {len(scan.unknown)} file(s) riskoff does not know, ignored: "
            f"{names}. Name them as the publishers do, e.g. fred_DGS10.csv, "
            "mof_jgbcme_all.csv, binance_BTCUSDT_1d.csv", UnknownFilesWarning, stacklevel=2)
    return scan


def read_macro_files(scan: DataDirScan) -> pd.DataFrame:
    """Parse every macro file of a scanned data_dir with its source's parser.

    Where two files hold the same series and date (a history file and a current-month
    file), the file whose data run later wins.

    Parameters
    ----------
    scan : DataDirScan
        From :func:`scan_data_dir`.

    Returns
    -------
    DataFrame
        Observations.
    """
    from signals.sources.registry import get_source

    frames = [get_source(name).read_file(path)
              for name, paths in scan.macro.items() for path in paths]
    if not frames:
        return empty_observations()
    frames.sort(key=lambda f: f["date"].max() if len(f) else pd.Timestamp.min)
    obs = pd.concat(frames, ignore_index=True)
    return obs.drop_duplicates(["series", "date"], keep="last").reset_index(drop=True)
