"""The shapes of the service's JSON answers, as published in its OpenAPI description.

The endpoints send JSON they build themselves (the live reading is served as bytes kept
in memory), so these models describe, they do not convert: they are what ``/openapi.json``
promises, and the test suite validates every answer against that description. They are
strict (every field required, no other field, enumerations and patterns where the values
have them), so that a wrong answer fails the validation.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Components", "Error", "GateState", "Health", "History", "Inputs", "RateLimited",
           "Reading", "RefreshRefused", "RefreshStarted", "RegimeChange"]

#: A time as the service writes it: ISO 8601, UTC.
UtcTime = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$",
                               json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]
Regime = Literal["calm", "watch", "stress", "unwind"]
Score = Annotated[float, Field(ge=0, le=100)]
Share = Annotated[float, Field(ge=0, le=1)]
Days = Annotated[float, Field(description="days")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Part(_Strict):
    """One component of a score row."""

    name: str
    family: str
    weight: Annotated[float, Field(ge=0)]
    contribution: float | None = Field(description="score points; null when it does not "
                                                   "count")
    description: str


class InputAge(_Strict):
    """One macro input's freshness at the reading's time."""

    name: str
    last_date: Day | None = Field(description="the publisher's date of its latest value")
    available_at: UtcTime | None = Field(description="when that value became available")
    age_days: Days | None
    stale: bool


class Reading(_Strict):
    """The live reading: the object of ``signals.latest()``."""

    as_of: UtcTime
    row_available_at: UtcTime | None
    age_days: Days | None
    score: Score | None = Field(description="0-100, higher = more risk-off")
    regime: Regime | None
    coverage: Share
    components: list[Part]
    inputs: list[InputAge]
    notes: list[str]
    degraded: bool
    failed_sources: list[str]
    stale: bool
    policy: Literal["hold_last", "fail_closed", "fail_open"]
    allow_risk: bool
    decision: Annotated[str, Field(pattern=r"^(allow|refuse): ")]


class Row(_Strict):
    """One score row, by availability time."""

    available_at: UtcTime
    score: Score | None
    regime: Regime | None
    coverage: Share


class History(_Strict):
    """Score rows between two times."""

    rows: list[Row]


class ComponentPart(Part):
    """One component, with the macro inputs it reads."""

    inputs: list[str]


class Components(_Strict):
    """Each component of the live reading."""

    as_of: UtcTime
    components: list[ComponentPart]


class Inputs(_Strict):
    """Each macro input's freshness."""

    as_of: UtcTime
    inputs: list[InputAge]


class Health(_Strict):
    """Liveness and readiness."""

    live: Literal[True]
    ready: bool
    reason: str
    as_of: UtcTime
    age_days: Days | None


class RefreshStarted(_Strict):
    """A refresh was started."""

    started: Literal[True]


class RefreshRefused(_Strict):
    """A refresh was not started."""

    started: Literal[False]
    reason: str


class Error(_Strict):
    """What went wrong, and the fix."""

    error: str


class RateLimited(_Strict):
    """A request over the client's rate limit."""

    error: str
    limit: Annotated[str, Field(pattern=r"^\d+/(second|minute|hour)$")]
    burst: Annotated[int, Field(gt=0)]
    retry_after_s: Annotated[int, Field(ge=1)]


class GateState(_Strict):
    """The service's risk gate: the ``reading`` event of ``/v1/events``."""

    state: Literal["risk_on", "risk_off"] | None
    regime: Literal["calm", "watch", "stress", "unwind", "unknown"] | None
    score: Score | None
    as_of: UtcTime | None
    updated_at: UtcTime | None


class RegimeChange(GateState):
    """A ``regime_change`` event of ``/v1/events``: the gate's state and the regime before."""

    from_: Literal["calm", "watch", "stress", "unwind", "unknown"] = Field(alias="from")
