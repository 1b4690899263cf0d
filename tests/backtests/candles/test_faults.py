"""ccxt against every download fault, through a real socket (see tests/faultmatrix.py)."""

import re

import pytest

from tests.faultmatrix import FAULTS, CcxtMatrix

ERRORS = {
    "429_small_retry_after": r"binance: unreachable after retries: DDoSProtection: binance 429",
    "429_huge_retry_after": r"binance: unreachable after retries: DDoSProtection: binance 429",
    "429_date_retry_after": r"binance: unreachable after retries: DDoSProtection: binance 429",
    "451": r"binance: refuses this region \(HTTP 451",
    "500": r"binance: unreachable after retries: ExchangeNotAvailable: .* 500",
    "503": r"binance: unreachable after retries: ExchangeNotAvailable: .* 503",
    "hang": r"binance: no answer in time: RequestTimeout",
    "html": r"binance: answered an HTML page instead of JSON",
    "empty": r"binance: answered an empty body instead of JSON",
    "cut_mid_record": r"binance: answered a body that is not whole JSON",
    "cut_mid_number": r"binance: answered a body that is not whole JSON",
    "cut_mid_number_newline_kept": r"binance: answered a body that is not whole JSON",
    "dropped_mid_body": r"binance: unreachable after retries: NetworkError",
}


@pytest.fixture(scope="module")
def matrix():
    pytest.importorskip("ccxt")
    with CcxtMatrix() as running:
        yield running


@pytest.mark.parametrize("fault", FAULTS)
def test_fault(matrix, fault):
    skipped: list[float] = []
    outcome = matrix.run(fault, skipped)
    assert outcome.wrong_values == 0, outcome
    assert outcome.elapsed <= outcome.deadline, outcome
    assert sum(skipped) <= 15, skipped  # 1 + 2 + 4 + 8 s of backoff at most
    if fault in ("ok", "extra_columns", "rows_out_of_order"):
        assert outcome.ok, outcome
        return
    assert not outcome.ok and outcome.store_unchanged, outcome
    assert re.search(ERRORS[fault], outcome.error), outcome.error
