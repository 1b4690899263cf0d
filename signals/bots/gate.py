"""A risk gate for any bot: hysteresis on the live score, a policy for bad data, state on disk.

::

    gate = signals.RiskGate(exit_above=70, reenter_below=55, state_file="gate.json")
    while True:
        gate.update()                       # signals.latest() by default
        if gate.allow_long():
            ...                             # or size positions by gate.exposure()

The gate goes risk-off when a usable score reaches `exit_above` and comes back only when
one falls below `reenter_below`. A new gate starts risk-on unless its first score is
already at or above `exit_above`. An unusable reading (no score from fresh data, see
:mod:`signals.bots.live`) follows the policy: ``fail_open`` risk-on, ``fail_closed`` risk-off,
``hold_last`` keeps the gate's state (a new gate uses the reading's last good score, and
goes risk-off when there is none) for at most `max_hold` after the score became unusable
(default 3 days, :data:`signals.bots.live.MAX_HOLD`), then goes risk-off. Acting without a
usable score is logged at WARNING, starting from one too. Before its first update a gate
allows risk only under ``fail_open``.

The state (``state``, ``regime``, ``score``, ``as_of``, ``updated_at``) is written to
`state_file` after every update, atomically (a temporary file, then :func:`os.replace`),
and a new gate on the same file resumes it. A corrupt file is logged and ignored. Every
change of regime or state is logged (logger ``riskoff.gate``); a regime change is also
POSTed to `webhook`, when one is given, as JSON ``{"event": "regime_change", "from", "to",
"score", "as_of", "state"}``. A failed POST or an unwritable state file is logged, never
raised; a webhook URL is logged with its secrets hidden (:func:`redact_url`). The regime
is the score's (``calm`` ... ``unwind``), or ``unknown`` when the gate
acted without a score.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import urllib.request
from dataclasses import replace
from pathlib import Path

import pandas as pd

from signals.bots.live import MAX_HOLD, LiveReading, check_max_hold, check_policy, latest
from signals.errors import ConfigError
from signals.score.composite import REGIMES
from signals.times import to_utc

__all__ = ["STATES", "RiskGate", "redact_url"]

STATES = ("risk_on", "risk_off")
UNKNOWN = "unknown"
REGIME_NAMES = (*(name for name, _ in REGIMES), UNKNOWN)


def redact_url(url: str) -> str:
    """`url` with its secrets hidden, for logs and errors.

    Hidden: a ``user:password@``, every query value, and from the first path segment
    after the first that looks like an id or a token (8 characters or more with a digit,
    or 16 or more) to the end, which covers Slack's ``/services/T0/B0/XXXX`` and Discord's
    ``/api/webhooks/ID/TOKEN``.

    Examples
    --------
    >>> redact_url("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
    'https://hooks.slack.com/services/***/***/***'
    """
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<webhook URL hidden>"
    netloc = ("***@" if "@" in parts.netloc else "") + host + port
    hidden = _hidden_segments(parts.path)
    kept = parts.path.split("/")[1:len(parts.path.split("/")) - len(hidden)]
    path = "".join(f"/{seg}" for seg in kept) + "/***" * len(hidden)
    query = "&".join(f"{pair.split('=', 1)[0]}=***" for pair in parts.query.split("&")
                     if pair)
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _secret(segment: str) -> bool:
    return len(segment) >= 16 or (len(segment) >= 8 and any(c.isdigit() for c in segment))


def _hidden_segments(path: str) -> list[str]:
    segments = path.split("/")[1:]
    first = next((i for i, seg in enumerate(segments) if i and _secret(seg)), len(segments))
    return segments[first:]


def _scrub(text: str, url: str) -> str:
    """`text` (an error message) with `url` and each of its secret parts hidden."""
    from urllib.parse import urlsplit

    text = text.replace(url, redact_url(url))
    try:
        parts = urlsplit(url)
        secrets = [parts.username, parts.password, *_hidden_segments(parts.path),
                   *(pair.split("=", 1)[1] for pair in parts.query.split("&") if "=" in pair)]
    except ValueError:
        secrets = [url]
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _regime(score: float) -> str:
    return next((name for name, low in reversed(REGIMES) if score >= low), REGIMES[0][0])


class RiskGate:
    """Risk on or off for a bot, from the live risk-off score (see the module docstring).

    Parameters
    ----------
    exit_above : float, optional
        Go risk-off when a usable score is at or above this (default: where ``stress``
        starts, as the default backtest rule; docs/choice.md).
    reenter_below : float, optional
        Come back risk-on only when a usable score is below this (default: where
        ``watch`` starts).
    state_file : str or Path, optional
        JSON file that keeps the state across restarts.
    policy : str
        ``hold_last``, ``fail_open`` or ``fail_closed``: what an unusable reading means.
    webhook : str, optional
        ``http(s)://`` URL that receives a JSON POST on every regime change.
    reduced_exposure : float
        :meth:`exposure` when risk-off, 0 to 1.
    logger : logging.Logger, optional
        Default ``logging.getLogger("riskoff.gate")``.
    webhook_timeout : float
        Seconds to wait for the webhook.
    max_hold : Timedelta, str or float
        How long ``hold_last`` keeps a state or a held score after the score became
        unusable (a number is days; default 3 days); then the gate goes risk-off.

    Attributes
    ----------
    state : str or None
        ``risk_on`` or ``risk_off``; ``None`` before the first update.
    regime, score, as_of : str, float, Timestamp or None
        The regime and score the gate last acted on, and their time.
    updated_at : Timestamp or None
        When the gate was last updated.
    """

    def __init__(self, exit_above: float | None = None, reenter_below: float | None = None, *,
                 state_file: str | os.PathLike | None = None, policy: str = "hold_last",
                 webhook: str | None = None, reduced_exposure: float = 0.0,
                 logger: logging.Logger | None = None, webhook_timeout: float = 5.0,
                 max_hold=MAX_HOLD) -> None:
        levels = dict(REGIMES)
        exit_above = levels["stress"] if exit_above is None else exit_above
        reenter_below = levels["watch"] if reenter_below is None else reenter_below
        if not reenter_below <= exit_above:
            raise ConfigError(f"reenter_below ({reenter_below}) must not be above exit_above "
                              f"({exit_above}); e.g. RiskGate(exit_above=70, reenter_below=55)")
        if not 0.0 <= reduced_exposure <= 1.0:
            raise ConfigError(f"reduced_exposure must be between 0 and 1; got {reduced_exposure}")
        if webhook is not None and not str(webhook).startswith(("http://", "https://")):
            raise ConfigError(f"webhook must be an http:// or https:// URL; got "
                              f"{redact_url(webhook)!r}")
        self.exit_above, self.reenter_below = float(exit_above), float(reenter_below)
        self.policy = check_policy(policy)
        self.max_hold = check_max_hold(max_hold)
        self._usable_at: pd.Timestamp | None = None  # the last update with a usable score
        self._unusable_since: pd.Timestamp | None = None
        self.state_file = None if state_file is None else Path(state_file)
        self.webhook, self.webhook_timeout = webhook, webhook_timeout
        self.reduced_exposure = float(reduced_exposure)
        self.logger = logger or logging.getLogger("riskoff.gate")
        self.state: str | None = None
        self.regime: str | None = None
        self.score: float | None = None
        self.as_of: pd.Timestamp | None = None
        self.updated_at: pd.Timestamp | None = None
        self._lock = threading.RLock()
        if self.state_file is not None:
            self._load()

    def allow_long(self) -> bool:
        """Whether the bot may hold risk (before any update: only under ``fail_open``)."""
        return self.state == "risk_on" if self.state else self.policy == "fail_open"

    def exposure(self) -> float:
        """1.0 risk-on, `reduced_exposure` risk-off."""
        return 1.0 if self.allow_long() else self.reduced_exposure

    def update(self, reading: LiveReading | None = None, *, now=None) -> LiveReading:
        """Take a reading and move the gate.

        Parameters
        ----------
        reading : LiveReading, optional
            Default ``signals.latest(policy=self.policy, max_hold=self.max_hold, now=now)``.
        now : str or Timestamp, optional
            The time of the update (default: the clock).

        Returns
        -------
        LiveReading
            The reading, with ``policy``, ``allow_risk`` and ``decision`` those of the gate.
        """
        if reading is None:
            reading = latest(policy=self.policy, max_hold=self.max_hold, now=now)
        now = pd.Timestamp.now(tz="UTC") if now is None else to_utc(now, "now")
        with self._lock:
            old_state, old_regime = self.state, self.regime
            usable = not reading.stale and reading.score is not None
            if usable:
                self._unusable_since, self._usable_at = None, now
            elif self._unusable_since is None:  # the reading's word, else the last usable one
                since = reading.unusable_since
                self._unusable_since = since if since is not None else (
                    now if self._usable_at is None else self._usable_at)
            state, regime, score, as_of, why = self._next(reading, now)
            self.state, self.regime, self.score, self.as_of = state, regime, score, as_of
            self.updated_at = now
            self._save()
            if (old_state, old_regime) != (state, regime):
                self._changed(old_state, old_regime, None if usable else why)
        allow = state == "risk_on"
        return replace(reading, policy=self.policy, allow_risk=allow,
                        decision=f"{'allow' if allow else 'refuse'}: gate {state} ({why})")

    def _next(self, reading: LiveReading, now: pd.Timestamp):
        """The new (state, regime, score, as_of, why) after `reading`."""
        score = None if reading.stale else reading.score
        held = False
        as_of = reading.as_of if reading.row_available_at is None else reading.row_available_at
        if score is None and self.policy == "hold_last":
            unusable_for = now - min(self._unusable_since, now)
            if unusable_for > self.max_hold:
                return ("risk_off", UNKNOWN, None, as_of,
                        f"no usable score for {unusable_for / pd.Timedelta(days=1):,.1f} "
                        f"days, longer than max_hold {self.max_hold / pd.Timedelta(days=1):g} "
                        "days (hold_last)")
            if self.state is not None:
                return (self.state, self.regime, self.score, self.as_of,
                        "no usable score; holding the gate's state (hold_last)")
            score, held = reading.held_score, True
        if score is None:
            state = "risk_on" if self.policy == "fail_open" else "risk_off"
            return state, UNKNOWN, None, as_of, f"no usable score ({self.policy})"
        if score >= self.exit_above:
            state = "risk_off"
        elif score < self.reenter_below:
            state = "risk_on"
        else:
            state = self.state or "risk_on"
        why = (f"score {score:.1f}; risk-off from {self.exit_above:g}, back below "
               f"{self.reenter_below:g}")
        if held:
            return (state, _regime(score), score, reading.held_as_of,
                    f"no usable score; last good {why} (hold_last)")
        return state, _regime(score), score, as_of, why

    def _changed(self, old_state: str | None, old_regime: str | None,
                 stale: str | None) -> None:
        """Log a change (at WARNING when made without a usable score) and post it."""
        score = "none" if self.score is None else f"{self.score:.1f}"
        as_of = None if self.as_of is None else self.as_of.isoformat()
        level, why = (logging.INFO, "") if stale is None else (logging.WARNING, f": {stale}")
        if old_state is None:
            self.logger.log(level, "risk gate starts %s in regime %s, score %s, as of %s%s",
                            self.state, self.regime, score, as_of, why)
            return
        self.logger.log(level, "risk gate regime %s -> %s, state %s -> %s, score %s, as of %s%s",
                        old_regime, self.regime, old_state, self.state, score, as_of, why)
        if old_regime != self.regime and self.webhook:
            self._post({"event": "regime_change", "from": old_regime, "to": self.regime,
                        "score": self.score, "as_of": as_of, "state": self.state})

    def _post(self, payload: dict) -> None:
        request = urllib.request.Request(
            self.webhook, data=json.dumps(payload).encode(), method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "riskoff"})
        try:
            with urllib.request.urlopen(request, timeout=self.webhook_timeout) as response:
                response.read()
        except Exception as exc:  # an alert must never stop the bot
            self.logger.warning("risk gate webhook %s failed: %s: %s", redact_url(self.webhook),
                                type(exc).__name__, _scrub(str(exc), self.webhook))

    def to_dict(self) -> dict:
        """The state as written to `state_file`."""
        def iso(when):
            return None if when is None else when.isoformat()

        return {"state": self.state, "regime": self.regime, "score": self.score,
                "as_of": iso(self.as_of), "updated_at": iso(self.updated_at)}

    def _save(self) -> None:
        if self.state_file is None:
            return
        path = self.state_file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w") as file:
                    json.dump(self.to_dict(), file)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp, path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.logger.error("risk gate could not write its state to %s: %s", path, exc)

    def _load(self) -> None:
        path = self.state_file
        try:
            data = json.loads(path.read_text())
            state, regime, score = data["state"], data["regime"], data["score"]
            if state not in STATES or regime not in REGIME_NAMES:
                raise ValueError(f"state {state!r}, regime {regime!r}")
            if score is not None and not isinstance(score, int | float):
                raise ValueError(f"score {score!r}")
            as_of, updated_at = (None if data[k] is None else
                                 pd.Timestamp(data[k]).tz_convert("UTC")
                                 for k in ("as_of", "updated_at"))
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.logger.warning("risk gate ignores its state file %s (%s: %s); starting afresh",
                                path, type(exc).__name__, exc)
            return
        self.state, self.regime, self.score = state, regime, score
        self.as_of, self.updated_at = as_of, updated_at
        self.logger.info("risk gate resumes %s in regime %s from %s", state, regime, path)

    def __repr__(self) -> str:
        score = "none" if self.score is None else f"{self.score:.1f}"
        return (f"RiskGate({self.state or 'no state'}, regime {self.regime}, score {score}; "
                f"risk-off from {self.exit_above:g}, back below {self.reenter_below:g}, "
                f"policy {self.policy})")
