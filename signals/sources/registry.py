"""The list of sources, imported only when needed (``import signals`` stays fast)."""

from __future__ import annotations

import importlib
from functools import cache

from signals.errors import ConfigError
from signals.sources.base import Source

__all__ = ["SOURCE_NAMES", "all_sources", "get_source", "source_for_file"]

#: Source modules in ``signals.sources``, in the order a refresh runs them.
SOURCE_NAMES = ("mof", "mof_week", "treasury", "fred", "yahoo", "cboe", "cftc", "tic")


@cache
def get_source(name: str) -> Source:
    """The :class:`Source` named `name` (e.g. ``"fred"``)."""
    if name not in SOURCE_NAMES:
        import difflib

        close = difflib.get_close_matches(name, SOURCE_NAMES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown source {name!r}.{hint} Sources: {', '.join(SOURCE_NAMES)}")
    return importlib.import_module(f"signals.sources.{name}").SOURCE


def all_sources() -> list[Source]:
    """Every source, in refresh order."""
    return [get_source(name) for name in SOURCE_NAMES]


def source_for_file(filename: str) -> Source | None:
    """The source that reads a file of this name, or ``None``."""
    for source in all_sources():
        if source.handles(filename):
            return source
    return None
