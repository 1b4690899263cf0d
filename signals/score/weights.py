"""Component weights: a validated, immutable mapping, overridable in Python and from TOML.

Weights are relative (they need not sum to one) and non-negative; a weight of 0 drops a
component. ``Weights({"yen_rally": 0.2})`` and a TOML file both *override* the defaults
named in them and keep the others; ``Weights(..., base=None)`` starts from nothing. TOML::

    [weights]
    yen_rally = 0.20
    move_level = 0      # never use MOVE
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

from signals.errors import ConfigError

__all__ = ["Weights"]


def weight_value(weight, what: str) -> float:
    """A weight as given by a user, checked: a finite number >= 0 (a bool is not one).

    Parameters
    ----------
    weight : object
        The value given.
    what : str
        How the error names it, e.g. ``"weight of 'yen_rally'"``.

    Returns
    -------
    float
        `weight` as a float.

    Raises
    ------
    ConfigError
        `weight` is not such a number.
    """
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) \
            or not math.isfinite(weight) or weight < 0:
        raise ConfigError(f"{what} must be a number >= 0; got {weight!r}")
    return float(weight)


class Weights(Mapping):
    """Validated, immutable component weights.

    Parameters
    ----------
    values : mapping, optional
        ``{component name: weight}`` overriding `base`.
    base : {"default", None}
        ``"default"`` starts from every registered component's default weight; ``None``
        from nothing (components not named weigh 0).
    **kwargs : float
        More overrides, e.g. ``Weights(yen_rally=0.2)``.

    Raises
    ------
    ConfigError
        An unknown component name (with the closest known one), a negative, infinite or
        non-numeric weight, or no positive weight at all.
    """

    def __init__(self, values: Mapping[str, float] | None = None, *, base: str | None = "default",
                 **kwargs: float) -> None:
        from signals.families.registry import components

        known = components()
        if base not in ("default", None):
            raise ConfigError(f"base must be 'default' or None; got {base!r}")
        weights = {name: c.weight for name, c in known.items()} if base else {}
        for name, weight in {**(values or {}), **kwargs}.items():
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(f"unknown component {name!r} in weights.{hint} "
                                  f"Known: {', '.join(known)}")
            weights[name] = weight_value(weight, f"weight of {name!r}")
        if not any(w > 0 for w in weights.values()):
            raise ConfigError("at least one weight must be positive")
        self._weights = {name: w for name, w in weights.items() if w > 0}

    @classmethod
    def default(cls) -> Weights:
        """Every registered component at its default weight."""
        return cls()

    @classmethod
    def from_toml(cls, path: str | Path) -> Weights:
        """Read a ``[weights]`` table from a TOML file, overriding the defaults.

        Parameters
        ----------
        path : str or Path
            The file; its optional top-level ``base = "none"`` starts from nothing.
        """
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"weights file {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"weights file {path}: not valid TOML ({exc})") from exc
        table = document.get("weights")
        if not isinstance(table, dict):
            raise ConfigError(f"weights file {path}: no [weights] table; write e.g.\n"
                              "[weights]\nyen_rally = 0.2")
        base = document.get("base", "default")
        return cls(table, base=None if base == "none" else base)

    def replace(self, **kwargs: float) -> Weights:
        """A copy with some weights changed."""
        return Weights({**self._weights, **kwargs}, base=None)

    def normalized(self) -> dict[str, float]:
        """The weights scaled to sum to one."""
        total = sum(self._weights.values())
        return {name: w / total for name, w in self._weights.items()}

    def __getitem__(self, name: str) -> float:
        return self._weights[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._weights)

    def __len__(self) -> int:
        return len(self._weights)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._weights.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:g}" for k, v in self._weights.items())
        return f"Weights({inner})"
