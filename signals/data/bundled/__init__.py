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
def _files_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((BUNDLED_DIR / "macro").iterdir()):
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def bundle_tag() -> str:
    """What the bundled layer is made of: the files, and the availability rules that stamp them.

    Returns
    -------
    str
        ``"<hash>+<rules>"``: a short hash of the bundled macro files' names and sizes
        (changes when a new package ships new data), then the sources' rule versions
        (:func:`signals.sources.rule_versions.rules_text`; changes when a rule does), e.g.
        ``"3f0c...+cboe=1,cftc=1,..."``. A store whose bundled layer carries another tag
        parses the files again on its next load.
    """
    from signals.sources.rule_versions import rules_text

    return f"{_files_hash()}+{rules_text()}"


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

    Old means another :func:`bundle_tag`: other files, or files stamped under other
    availability rules. The new layer replaces the old one in one transaction
    (:meth:`Store.write_bundled`), so a process killed meanwhile leaves the old layer whole.

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
