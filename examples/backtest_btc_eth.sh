#!/usr/bin/env bash
# Backtest BTC and ETH from the command line: the same rule on both, with an HTML report.
# Works offline on the bundled data; add --refresh to download what is new first.
set -euo pipefail
out="${1:-riskoff-btc-eth.html}"

riskoff backtest --symbol BTC/USDT --symbol ETH/USDT --since 2018-01-01 \
  --rule threshold:70:55 --fee-bps 10 --slippage-bps 5 --report "$out"
riskoff evaluate --symbol BTC/USDT --since 2018-01-01 --horizons 1,7,30
riskoff sweep --symbol ETH/USDT --thresholds 55:90:2.5 --smoothing 1,7,14 --top 5
