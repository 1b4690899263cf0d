"""What every subcommand shares: the context, consoles, output formats, exit codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

EXIT_OK, EXIT_USER_ERROR, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_NOTHING = 4  # `data update`: no download succeeded (offline, or every source failed)

FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="table for people; json or csv for programs (docs/cli.md).")


#: Marks an HTML file riskoff wrote (in its head) and a PNG chart (its Software text chunk).
HTML_MARKER = '<meta name="generator" content="riskoff">'
PNG_MARKER = b"Software\x00riskoff"


def written_by_riskoff(path: Path) -> bool:
    """Whether `path` is a report or chart riskoff wrote (its marker in the first 4 KB)."""
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return HTML_MARKER.encode() in head or (head.startswith(b"\x89PNG") and PNG_MARKER in head)


FORCE_OPTION = click.option(
    "--force", is_flag=True, expose_value=False,
    callback=lambda ctx, param, value: ctx.meta.__setitem__("riskoff.force", value),
    help="Let an output path from riskoff.toml overwrite a file riskoff did not write.")


def check_output(option: str, paths) -> None:
    """Refuse to overwrite, through a path from ``riskoff.toml``, a file riskoff did not write.

    A configuration file in the working folder may come with an untrusted checkout; a path
    given on the command line is the user's own choice and is never questioned.

    Parameters
    ----------
    option : str
        The parameter's name (``"output"``, ``"report"``, ``"png_dir"``).
    paths : iterable of Path
        The files the command would write.

    Raises
    ------
    ConfigError
        When the value came from a configuration file, ``--force`` was not given, and a
        file exists there (or a link) that riskoff did not write.
    """
    from click.core import ParameterSource

    from signals.errors import ConfigError

    ctx = click.get_current_context()
    if ctx.get_parameter_source(option) is not ParameterSource.DEFAULT_MAP:
        return
    if ctx.meta.get("riskoff.force"):
        return
    for path in map(Path, paths):
        if path.is_symlink() or (path.exists() and not written_by_riskoff(path)):
            flag = "--" + option.replace("_", "-")
            raise ConfigError(
                f"{flag} {path} comes from riskoff.toml and would overwrite a file riskoff did "
                f"not write; give {flag} on the command line, or add --force to overwrite it")


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
