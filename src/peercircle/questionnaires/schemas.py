"""Request and response shapes for the questionnaires API. See docs/api.md
and docs/questionnaires.md.

Inputs check only shape; every rule (which instruments may be scheduled, the
range of days, what counts as an answer) is the services', and a refusal comes
back as 422 with a message that names the question. Instrument texts are only
those shipped in the code: an organisation's loaded (licensed) texts never
appear here.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from peercircle.programmes.schemas import StrictIn, UtcDateTime

# --- instruments ------------------------------------------------------------------


class BandOut(Schema):
    low: int = Field(description="Lowest score in the band, included")
    high: int = Field(description="Highest score in the band, included")
    label: str


class InstrumentTextsOut(Schema):
    """The wording shipped with PeerCircle, for instruments whose owners allow it."""

    instructions: str
    items: list[str] = Field(description="One text per question, in order")
    options: list[list[str]] = Field(
        description="For each question, the label of each option in printed order"
    )
    copyright_notice: str


class InstrumentOut(Schema):
    code: str
    name: str
    short_name: str
    items: int = Field(description="How many questions")
    option_values: list[list[int]] = Field(
        description="For each question, the value of each option in printed order; an answer "
        "is the 0-based index of the chosen option"
    )
    reversed_items: list[int] = Field(description="1-based questions scored in reverse")
    max_missing: int = Field(description="How many questions may be left unanswered")
    missing_rule: str
    has_total: bool = Field(description="False for ONS4: items are reported one by one")
    min_total: int | None
    max_total: int | None
    bands: list[BandOut]
    item_keys: list[str] | None = Field(description="ONS4: a key per question")
    item_bands: list[list[BandOut]] | None = Field(description="ONS4: bands per question")
    risk_items: list[int] = Field(
        description="1-based questions whose answer above the lowest option raises a "
        "safeguarding alert"
    )
    reliable_change: float | None = Field(
        description="The smallest change that counts as reliable (on the metric for SWEMWBS)"
    )
    caseness: int | None = Field(description="A score at or above this is in the clinical range")
    direction: str | None = Field(description='"higher_worse", "higher_better" or null')
    citation: str
    licence: str
    needs_licensed_text: bool = Field(
        description="True where an organisation must hold a licence and load the texts itself"
    )
    texts: InstrumentTextsOut | None = Field(
        description="The shipped wording; null where it is licensed or not shipped"
    )


# --- schedules --------------------------------------------------------------------


class SchedulePointIn(StrictIn):
    instrument: str = Field(description="An instrument code whose texts are ready, e.g. phq9")
    label: str = Field(max_length=60, description='What people see, e.g. "Week 5"')
    anchor: str = Field("joined", description='"joined" or "course_end"')
    offset_days: int = Field(0, description="Days after joining or the end of the course")
    window_days: int = Field(14, description="Days it stays open; after that it counts as missed")


class SchedulePointOut(Schema):
    id: int
    programme_id: int
    instrument: str
    label: str
    anchor: str
    offset_days: int
    window_days: int
    when: str = Field(description='In words, e.g. "5 weeks after joining"')


# --- a person's own questionnaires ---------------------------------------------------


class DueOut(Schema):
    id: int = Field(description="The assignment id, for POST /api/questionnaires/{id}/response")
    instrument: str
    instrument_name: str
    time_point: str
    state: str = Field(description='"due", or "started" once an answer is saved')
    due_at: UtcDateTime
    closes_at: UtcDateTime
    group: str | None
    texts_shipped: bool = Field(
        description="Whether GET /api/instruments/{code} carries its wording; otherwise "
        "answer it on the site"
    )


class ResponseIn(StrictIn):
    answers: list[Any] = Field(
        description="One per question: the 0-based index of the chosen option, or null for "
        "a question in declined"
    )
    declined: list[Any] = Field(
        [], description='1-based questions answered "prefer not to answer", where allowed'
    )


class ItemResultOut(Schema):
    value: float
    band: str | None


class ResponseOut(Schema):
    id: int
    assignment_id: int
    instrument: str
    instrument_name: str
    time_point: str
    submitted_at: UtcDateTime
    total: float | None = Field(description="Null for ONS4")
    metric: float | None = Field(description="SWEMWBS: the metric score")
    band: str | None
    risk: bool
    items: dict[str, ItemResultOut] = Field(description="ONS4: each question's value and band")
    answers: list[int | None]
    declined: list[int]


class CrisisResourceOut(Schema):
    name: str
    description: str
    phone: str
    tel_href: str
    text_number: str
    url: str
    hours: str


class SubmittedOut(ResponseOut):
    crisis_resources: list[CrisisResourceOut] = Field(
        description="Where to get help now: given whenever risk is true, empty otherwise"
    )
