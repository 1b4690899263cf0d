"""``riskoff.toml``: defaults for command options, and ``riskoff config show``.

Two files are read, the later winning: the user's (``platformdirs.user_config_dir("riskoff")
/ riskoff.toml``), then the project's (``./riskoff.toml``). Flags on the command line win
over both. Tables name commands, keys name their options exactly as on the command line
(``fee-bps`` or ``fee_bps``); top-level keys set the global options::

    store = "~/riskoff-data"

    [backtest]
    symbol = ["BTC/USDT", "ETH/USDT"]
    rule = "threshold:70:55"
    fee-bps = 8

    [data.update]
    source = ["mof", "fred"]
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import click

from backtests.cli.common import FORMAT_OPTION, print_csv, print_json
from signals.errors import ConfigError

__all__ = ["config_files", "load_config"]

CONFIG_NAME = "riskoff.toml"


def config_files() -> list[Path]:
    """The configuration files that exist, lowest precedence first."""
    from platformdirs import user_config_dir

    candidates = [Path(user_config_dir("riskoff")) / CONFIG_NAME, Path.cwd() / CONFIG_NAME]
    return [path for path in dict.fromkeys(candidates) if path.is_file()]


def _label(path: Path) -> str:
    """``./riskoff.toml`` for the project's file, ``~/...`` under the home folder."""
    if path == Path.cwd() / CONFIG_NAME:
        return f"./{CONFIG_NAME}"
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _options(command: click.Command) -> dict[str, click.Parameter]:
    """Option spellings (``fee-bps``, ``fee_bps``, ``symbol``) -> the click parameter."""
    names: dict[str, click.Parameter] = {}
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        for flag in param.opts:
            bare = flag.lstrip("-")
            names[bare] = names[bare.replace("-", "_")] = param
    return names


def _apply(command: click.Command, table: dict, path: Path, where: tuple[str, ...],
           defaults: dict, sources: dict) -> None:
    options = _options(command)
    subcommands = command.commands if isinstance(command, click.Group) else {}
    for key, value in table.items():
        if isinstance(value, dict) and key in subcommands:
            _apply(subcommands[key], value, path, (*where, key),
                   defaults.setdefault(key, {}), sources)
            continue
        param = options.get(key)
        if param is None:
            known = sorted({*subcommands, *(p.opts[0].lstrip("-") for p in options.values())})
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            section = " ".join(where) or "the top level"
            raise ConfigError(f"{path}: {key!r} is not an option of {section}.{hint} "
                              f"Options there: {', '.join(known)}")
        defaults[param.name] = value
        sources[(*where, param.name)] = _label(path)


def load_config(root: click.Group, files: list[Path] | None = None) -> tuple[dict, dict]:
    """The click ``default_map`` from the configuration files, and where each value came from.

    Parameters
    ----------
    root : click.Group
        The ``riskoff`` command.
    files : list of Path, optional
        Default :func:`config_files`.

    Returns
    -------
    default_map : dict
        Nested by command, keyed by parameter name.
    sources : dict
        ``{(command, ..., parameter): file}``.
    """
    defaults: dict = {}
    sources: dict = {}
    for path in config_files() if files is None else files:
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
        _apply(root, table, path, (), defaults, sources)
    return defaults, sources


def _reported(name: str, value):
    """An option's value as ``config show`` reports it, with any secret hidden.

    Parameters
    ----------
    name : str
        The click parameter name.
    value : object
        Its effective default.

    Returns
    -------
    object
        For ``token``: ``****`` and, from 12 characters, the last 4 (enough to tell which
        token is set, too few to use it). For ``webhook``: the URL without its password,
        query values and path tokens (:func:`signals.bots.gate.redact_url`). Anything
        else: `value` itself; None when the option has no default.
    """
    if type(value).__name__ == "Sentinel":  # click's "no default", null in JSON
        return None
    if not isinstance(value, str) or not value:
        return value
    if name == "token":
        return "****" + (value[-4:] if len(value) >= 12 else "")
    if name == "webhook":
        from signals.bots.gate import redact_url

        return redact_url(value)
    return value


def _shown(param: click.Option, value) -> str:
    """A default as people read it: flags false, unset options "(not set)"."""
    if value is None:
        return "false" if param.is_flag else "(not set)"
    return repr(value)


@click.group()
def config() -> None:
    """Show the configuration riskoff.toml gives the commands."""


@config.command()
@click.argument("command", required=False)
@FORMAT_OPTION
@click.pass_context
def show(ctx: click.Context, command: str | None, fmt: str) -> None:
    """Every option's effective default and where it came from (built-in or a file).

    Secrets are hidden: a token shows as ``****`` and its last 4 characters, a webhook URL
    without its password, query values and path tokens.

    \b
    Examples:
      riskoff config show
      riskoff config show backtest
    """
    from rich import box
    from rich.table import Table

    from backtests.cli.common import console

    root = ctx.find_root().command
    _, sources = load_config(root)
    default_map = ctx.find_root().default_map or {}
    table = Table(box=box.SIMPLE_HEAD, title="files: " + (", ".join(
        str(p) for p in config_files()) or "none (built-in defaults only)"),
        title_justify="left")
    for column in ("command", "option", "value", "from"):
        table.add_column(column)
    rows: list[dict] = []

    def walk(cmd: click.Command, path: tuple[str, ...], values: dict) -> None:
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden and param.name != "help":
                key = (*path, param.name)
                rows.append({"command": " ".join(path) or "riskoff", "option": param.opts[0],
                             "value": _reported(param.name,
                                              values.get(param.name, param.default)),
                             "from": sources.get(key, "built-in")})
                table.add_row(rows[-1]["command"], rows[-1]["option"],
                              _shown(param, rows[-1]["value"]), rows[-1]["from"])
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                if name != "config":
                    walk(sub, (*path, name), values.get(name, {}))

    if command is None:
        walk(root, (), default_map)
    else:
        sub = root.commands.get(command)
        if sub is None:
            raise click.BadParameter(f"no command {command!r}", param_hint="COMMAND")
        walk(sub, (command,), default_map.get(command, {}))
    if fmt == "json":
        print_json({"files": [str(p) for p in config_files()], "options": rows})
    elif fmt == "csv":
        import pandas as pd

        print_csv(pd.DataFrame(rows))
    else:
        console().print(table)
