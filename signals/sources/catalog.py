"""What riskoff knows: every stored series, its unit and range, and the names users see.

Two layers of names:

* **store ids** (``"<source>:<code>"``, e.g. ``"fred:DGS10"``, ``"treasury:10Y"``) say where a
  value came from; the store keeps them apart;
* **macro names** (``"ust_10y"``, ``"usdjpy"``, ...) are what :func:`signals.load_macro`
  returns and the signals take. Each is fed by one or more store ids in priority order: for
  every date, the first store id that has a value wins, so the timelier source is used where
  it exists and the longer history fills the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MACRO", "STORE_IDS", "MacroSeries", "bounds_for", "macro_series"]

_YIELD = (-5.0, 30.0)
_TENORS_JGB = ("1Y", "2Y", "3Y", "4Y", "5Y", "6Y", "7Y", "8Y", "9Y", "10Y",
               "15Y", "20Y", "25Y", "30Y", "40Y")
_TENORS_UST = (("3m", "3M", "DGS3MO"), ("2y", "2Y", "DGS2"), ("5y", "5Y", "DGS5"),
               ("10y", "10Y", "DGS10"), ("30y", "30Y", "DGS30"))
#: MOF weekly flows, in 100 million yen (10,000 = JPY 1 trillion); the largest weekly net
#: flow 2005-2023 was under 60,000 and the largest gross one under 210,000.
_OKU, _NET, _GROSS = "100 million JPY", (-300_000.0, 300_000.0), (0.0, 2_000_000.0)


@dataclass(frozen=True)
class MacroSeries:
    """One series as users see it.

    Attributes
    ----------
    name : str
        The macro name, e.g. ``"jgb_10y"``.
    sources : tuple of str
        Store ids feeding it, highest priority first.
    unit : str
        Unit of the values.
    description : str
        One line for people.
    bounds : tuple of float
        Plausible range in `unit`; outside it the data layer calls the unit wrong.
    frequency : str
        ``"daily"``, ``"weekly"`` or ``"monthly"``: the publisher's observation calendar.
    """

    name: str
    sources: tuple[str, ...]
    unit: str
    description: str
    bounds: tuple[float, float]
    frequency: str = "daily"


def _build() -> dict[str, MacroSeries]:
    rows: list[MacroSeries] = []
    for tenor in _TENORS_JGB:
        rows.append(MacroSeries(f"jgb_{tenor.lower()}", (f"mof:{tenor}",), "%",
                                f"JGB {tenor} constant-maturity yield (MOF)", _YIELD))
    for name, treasury, fred in _TENORS_UST:
        rows.append(MacroSeries(f"ust_{name}", (f"treasury:{treasury}", f"fred:{fred}"), "%",
                                f"US Treasury {treasury} constant-maturity yield", _YIELD))
    rows += [
        MacroSeries("usdjpy", ("yahoo:JPY=X", "fred:DEXJPUS"), "JPY per USD",
                    "USD/JPY close (Yahoo), noon New York rate (FRED H.10) for history",
                    (50.0, 400.0)),
        MacroSeries("fed_funds", ("fred:DFF",), "%", "Effective federal funds rate", _YIELD),
        MacroSeries("ust_10y3m", ("fred:T10Y3M",), "pp", "US 10Y minus 3M Treasury spread",
                    (-10.0, 10.0)),
        MacroSeries("jpy_3m_rate", ("fred:IR3TIB01JPM156N",), "%",
                    "Japan 3-month interbank rate, monthly average (OECD)", _YIELD, "monthly"),
        MacroSeries("cftc_jpy_open_interest", ("cftc:097741:open_interest",), "contracts",
                    "CFTC yen futures open interest (CME 097741)", (0.0, 5e6), "weekly"),
        MacroSeries("cftc_jpy_noncomm_long", ("cftc:097741:noncomm_long",), "contracts",
                    "CFTC yen futures, non-commercial long", (0.0, 5e6), "weekly"),
        MacroSeries("cftc_jpy_noncomm_short", ("cftc:097741:noncomm_short",), "contracts",
                    "CFTC yen futures, non-commercial short", (0.0, 5e6), "weekly"),
        MacroSeries("tic_japan", ("tic:japan",), "USD bn",
                    "Japan's holdings of US Treasury securities, month-end (TIC)",
                    (0.0, 5000.0), "monthly"),
        MacroSeries("tic_china", ("tic:china",), "USD bn",
                    "Mainland China's holdings of US Treasury securities, month-end (TIC)",
                    (0.0, 5000.0), "monthly"),
        MacroSeries("japan_foreign_bond_net", ("mof_week:out_lt_debt_net",), _OKU,
                    "Japanese residents' net purchases of foreign long-term debt, weekly "
                    "(MOF); negative = Japan selling foreign bonds", _NET, "weekly"),
        MacroSeries("japan_foreign_bond_acquisition", ("mof_week:out_lt_debt_acq",), _OKU,
                    "Japanese residents' gross acquisitions of foreign long-term debt, "
                    "weekly (MOF)", _GROSS, "weekly"),
        MacroSeries("japan_foreign_bond_disposition", ("mof_week:out_lt_debt_disp",), _OKU,
                    "Japanese residents' gross dispositions of foreign long-term debt, "
                    "weekly (MOF)", _GROSS, "weekly"),
        MacroSeries("japan_foreign_equity_net", ("mof_week:out_equity_net",), _OKU,
                    "Japanese residents' net purchases of foreign equity and investment "
                    "fund shares, weekly (MOF; funds moved here from bonds in 2014)", _NET,
                    "weekly"),
        MacroSeries("japan_foreign_bill_net", ("mof_week:out_st_debt_net",), _OKU,
                    "Japanese residents' net purchases of foreign short-term debt, weekly "
                    "(MOF)", _NET, "weekly"),
        MacroSeries("foreign_japan_bond_net", ("mof_week:in_lt_debt_net",), _OKU,
                    "Non-residents' net purchases of Japanese long-term debt, weekly (MOF)",
                    _NET, "weekly"),
        MacroSeries("nikkei", ("yahoo:^N225",), "index points", "Nikkei 225 close",
                    (1000.0, 200000.0)),
        MacroSeries("vix", ("yahoo:^VIX", "cboe:VIX"), "index points", "Cboe VIX close",
                    (1.0, 200.0)),
        MacroSeries("move", ("yahoo:^MOVE",), "index points", "ICE BofA MOVE index close",
                    (10.0, 500.0)),
        MacroSeries("audjpy", ("yahoo:AUDJPY=X",), "JPY per AUD", "AUD/JPY close",
                    (20.0, 250.0)),
    ]
    return {row.name: row for row in rows}


MACRO: dict[str, MacroSeries] = _build()
STORE_IDS: tuple[str, ...] = tuple(dict.fromkeys(s for m in MACRO.values() for s in m.sources))


def macro_series(name: str) -> MacroSeries:
    """Look up a macro name, with a close-name hint when it is unknown."""
    try:
        return MACRO[name]
    except KeyError:
        import difflib

        from signals.errors import ConfigError

        close = difflib.get_close_matches(name, MACRO, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown macro series {name!r}.{hint} Known: {', '.join(MACRO)}") \
            from None


def bounds_for(store_ids: list[str] | tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Plausible ranges for the given store ids, from the macro series they feed."""
    out: dict[str, tuple[float, float]] = {}
    for macro in MACRO.values():
        for sid in macro.sources:
            if sid in store_ids:
                out[sid] = macro.bounds
    return out
