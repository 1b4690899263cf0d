"""The offline default data shipped with riskoff (see NOTICE in this folder)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from signals.data.store import Store

__all__ = ["BUNDLED_DIR", "BUNDLED_END", "bundle_tag", "ensure_bundled", "read_bundled_macro"]

BUNDLED_DIR = Path(__file__).resolve().parent
#: The last date in the bundled files.
BUNDLED_END = pd.Timestamp("2023-12-31")


@cache
def bundle_tag() -> str:
    """A short hash of the bundled macro files: changes when a new package ships new data."""
    digest = hashlib.sha256()
    for path in sorted((BUNDLED_DIR / "macro").iterdir()):
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def read_bundled_macro() -> pd.DataFrame:
    """Parse every bundled macro file with its source's own parser.

    Returns
    -------
    DataFrame
        Observations (see :mod:`signals.sources.base`) of every bundled series.
    """
    from signals.sources.registry import all_sources

    frames = []
    for source in all_sources():
        for name in source.bundled:
            frames.append(source.read_file(BUNDLED_DIR / "macro" / name))
    return pd.concat(frames, ignore_index=True)


def ensure_bundled(store: Store) -> dict[str, pd.DataFrame]:
    """The bundled layer of `store`, parsing the bundled files first if it is absent or old.

    Parameters
    ----------
    store : Store
        The store.

    Returns
    -------
    dict
        ``{store_id: DataFrame(date, value, available_at)}``.
    """
    if store.bundled_tag() == bundle_tag():
        return store.read_observations(layer="bundled")
    obs = read_bundled_macro()
    store.write_bundled(obs, bundle_tag())
    return {sid: frame.reset_index(drop=True) for sid, frame in obs.groupby("series")}
