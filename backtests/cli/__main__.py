"""``python -m backtests.cli``: the riskoff command."""

from backtests.cli import main

main()
