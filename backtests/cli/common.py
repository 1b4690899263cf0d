"""What every subcommand shares: the context, consoles, output formats, exit codes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import click

EXIT_OK, EXIT_USER_ERROR, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_NOTHING = 4  # `data update`: no download succeeded (offline, or every source failed)

FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="table for people; json or csv for programs (docs/cli.md).")


def print_csv(frame) -> None:
    """Write a table as CSV to standard output (ISO times, full precision)."""
    click.echo(frame.to_csv(index=False), nl=False)


@dataclass
class Context:
    """Global options of the ``riskoff`` command."""

    store_path: str | None
    quiet: bool
    debug: bool

    def store(self):
        """The store named by ``--store`` / ``RISKOFF_HOME``, or the default one."""
        from signals.data.store import Store

        return Store(self.store_path)


def console(stderr: bool = False):
    """A rich console; colour degrades to plain text when piped.

    Text is printed as it is: neither markup (``[weights]``) nor emoji codes (``50:100:1``)
    are read in messages or values. Styled text is passed as ``rich.text.Text`` or printed
    with ``markup=True`` around escaped values. Piped output gets a page 120 characters wide
    instead of rich's 80, so that tables are not cut short.
    """
    from rich.console import Console

    options = {"stderr": stderr, "soft_wrap": True, "markup": False, "emoji": False}
    out = Console(**options)
    if not out.is_terminal:
        out = Console(**options, width=120)
    return out


def print_json(payload) -> None:
    """Write `payload` as JSON to standard output (timestamps as ISO 8601)."""
    click.echo(json.dumps(payload, indent=2, default=_json_default))


def _json_default(value):
    import math

    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
