"""The ``riskoff`` command.

Exit codes: 0 success; 1 a user error (bad option, bad file), printed as one line;
2 partial data (some source failed, what succeeded was kept); 3 ``check-lookahead``
found a row that changed; 130 interrupted.
``--debug`` shows tracebacks instead of one-line messages.
"""

from __future__ import annotations

import sys

import click

from backtests.cli.backtest import backtest
from backtests.cli.common import EXIT_INTERRUPTED, EXIT_USER_ERROR, Context, console
from backtests.cli.config import config, load_config
from backtests.cli.data import data
from backtests.cli.report import report
from backtests.cli.research import evaluate, study, sweep_command, walkforward
from backtests.cli.score import check_lookahead, score
from backtests.cli.serve import serve
from backtests.cli.whatif import whatif

__all__ = ["main", "riskoff"]


def _set_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Turn on a global flag (``--quiet``, ``--debug``) given after a subcommand."""
    if value:
        setattr(ctx.find_object(Context), param.name, True)


def _global_flags(command: click.Command) -> None:
    """Give `command` (and every subcommand of a group) its own ``--quiet`` and ``--debug``.

    ``riskoff score --quiet`` then works as ``riskoff --quiet score`` does; the flags only
    switch on what the top-level ones switch on.
    """
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _global_flags(sub)
        return
    command.params += [
        click.Option(["--quiet", "-q"], is_flag=True, expose_value=False, callback=_set_flag,
                     help="Print only results and errors."),
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_set_flag,
                     help="Show tracebacks instead of one-line errors."),
    ]


class InOrder(click.Group):
    """The subcommands in the order users reach for them, each taking the global flags.

    Commands are listed as added, not alphabetically; every subcommand also accepts
    ``--quiet`` and ``--debug`` after its name.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _global_flags(cmd)
        super().add_command(cmd, name)


@click.group(cls=InOrder, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_path", type=click.Path(file_okay=True, dir_okay=True),
              envvar="RISKOFF_HOME", show_envvar=True,
              help="Folder (or .sqlite file) of the local store. Default: the user cache folder.")
@click.option("--quiet", "-q", is_flag=True, help="Print only results and errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="riskoff")
@click.pass_context
def riskoff(ctx: click.Context, store_path: str | None, quiet: bool, debug: bool) -> None:
    """Risk-off scores for crypto from JGB yields, the yen, Treasuries and the carry trade.

    \b
    Examples:
      riskoff data update              download what is new from every publisher
      riskoff data status              what is stored, how old, where it came from
      riskoff score                    today's risk-off score and why
      riskoff score --since 2022-09-01 the score over time
      riskoff backtest                 BTC/USDT daily, every candle, the protocol's rule
      riskoff evaluate                 does the score carry information?
      riskoff study --write docs/evidence.md   rerun the research protocol's study
      riskoff whatif --usdjpy -8% --ust10y +60bp
      riskoff report -o riskoff.html   everything in one HTML file
    """
    ctx.obj = Context(store_path=store_path, quiet=quiet, debug=debug)


riskoff.add_command(data)
riskoff.add_command(score)
riskoff.add_command(backtest)
riskoff.add_command(evaluate)
riskoff.add_command(study)
riskoff.add_command(sweep_command)
riskoff.add_command(walkforward)
riskoff.add_command(whatif)
riskoff.add_command(report)
riskoff.add_command(serve)
riskoff.add_command(check_lookahead)
riskoff.add_command(config)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, turning riskoff errors into one line and an exit code."""
    from signals.errors import RiskoffError

    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        default_map, _ = load_config(riskoff)
        riskoff.main(args=argv, prog_name="riskoff", standalone_mode=False,
                     default_map=default_map)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        console(stderr=True).print("interrupted; everything stored before was kept")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:  # bad command, option or value: a user error
        exc.show()
        sys.exit(EXIT_USER_ERROR)
    except RiskoffError as exc:
        if debug:
            raise
        from rich.text import Text

        console(stderr=True).print(Text.assemble(("error:", "red"), f" {exc}"), highlight=False)
        sys.exit(EXIT_USER_ERROR)
