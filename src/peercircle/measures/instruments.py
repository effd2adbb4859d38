"""Questionnaire definitions as plain data. Pure module (no Django import).

Every number here comes from the table in the project's MEASURES.md; the scoring
that reads it is in ``scoring.py``. See docs/measures.md, which also says how to
add an instrument.

Item texts are shipped only where their owners allow it *and* we are certain of
the exact published wording. WEMWBS, SWEMWBS and EPDS are scoring skeletons
(``needs_licensed_text=True``): an organisation that holds a licence loads the
texts into its own database; they are never committed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher_worse", "higher_better"]

LICENSED_TEXT_NEEDED = "licensed text needed"


@dataclass(frozen=True, slots=True)
class Band:
    """A labelled range of scores, both ends included as printed (``low``–``high``)."""

    low: int
    high: int
    label: str


@dataclass(frozen=True, slots=True)
class Instrument:
    code: str
    name: str
    short_name: str  # used in error messages: "Item 3 of PHQ-9: ..."
    items: int
    # The value of each option of each item, in printed order (index = the answer).
    option_values: tuple[tuple[int, ...], ...]
    # 1-based items whose scores run against the printed values.
    reversed_items: tuple[int, ...]
    # Score of a reversed item is ``reverse_from - value``; None where the option
    # values already carry the reversal (EPDS prints 3,2,1,0 for those items).
    reverse_from: int | None
    # How many missing answers still give a total (pro-rated: total x items / answered).
    max_missing: int
    bands: tuple[Band, ...]
    risk_items: tuple[int, ...]  # 1-based; risk when scored above the item's lowest score
    reliable_change: float | None  # on the total, or on the metric for SWEMWBS
    caseness: int | None  # caseness: a score at or above this
    direction: Direction | None  # None where no total exists (ONS4)
    citation: str
    licence: str
    needs_licensed_text: bool = False
    instructions: str | None = None
    item_texts: tuple[str, ...] | None = None
    option_labels: tuple[str, ...] | None = None
    copyright_notice: str | None = None
    has_total: bool = True
    # Raw total -> metric score (SWEMWBS), indexed by raw - min raw.
    metric_table: tuple[float, ...] | None = None
    # Per-item results (ONS4): a key and bands for each item.
    item_keys: tuple[str, ...] | None = None
    item_bands: tuple[tuple[Band, ...], ...] | None = None
    missing_rule: str = "every item must be answered"

    def item_scores(self, item: int) -> tuple[int, ...]:
        """The score each option of 1-based ``item`` gives, after reversal."""
        values = self.option_values[item - 1]
        if item in self.reversed_items and self.reverse_from is not None:
            return tuple(self.reverse_from - v for v in values)
        return values

    @property
    def min_total(self) -> int:
        return sum(min(self.item_scores(i)) for i in range(1, self.items + 1))

    @property
    def max_total(self) -> int:
        return sum(max(self.item_scores(i)) for i in range(1, self.items + 1))

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_better"


def _same(values: tuple[int, ...], items: int) -> tuple[tuple[int, ...], ...]:
    return (values,) * items


_PHQ_OPTIONS = ("Not at all", "Several days", "More than half the days", "Nearly every day")

PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire (PHQ-9)",
    short_name="PHQ-9",
    items=9,
    option_values=_same((0, 1, 2, 3), 9),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    risk_items=(9,),
    reliable_change=6,
    caseness=10,
    direction="higher_worse",
    citation=(
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression "
        "severity measure. J Gen Intern Med. 2001;16(9):606-613."
    ),
    licence=(
        "Developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, "
        "translate, display or distribute."
    ),
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    item_texts=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself \u2014 or that you are a failure or have let yourself "
        "or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite "
        "\u2014 being so fidgety or restless that you have been moving around a lot more "
        "than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    option_labels=_PHQ_OPTIONS,
)

GAD7 = Instrument(
    code="gad7",
    name="Generalised Anxiety Disorder scale (GAD-7)",
    short_name="GAD-7",
    items=7,
    option_values=_same((0, 1, 2, 3), 7),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    risk_items=(),
    reliable_change=4,
    caseness=8,
    direction="higher_worse",
    citation=(
        "Spitzer RL, Kroenke K, Williams JBW, L\u00f6we B. A brief measure for assessing "
        "generalized anxiety disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092-1097."
    ),
    licence=(
        "Developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, "
        "translate, display or distribute."
    ),
    instructions=(
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    item_texts=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    option_labels=_PHQ_OPTIONS,
)

CORE10 = Instrument(
    code="core10",
    name="Clinical Outcomes in Routine Evaluation (CORE-10)",
    short_name="CORE-10",
    items=10,
    option_values=_same((0, 1, 2, 3, 4), 10),
    reversed_items=(2, 3),
    reverse_from=4,
    max_missing=1,
    missing_rule="at most one item missing; the total is then pro-rated (total x 10 / 9)",
    bands=(
        Band(0, 5, "healthy"),
        Band(6, 10, "low"),
        Band(11, 14, "mild"),
        Band(15, 19, "moderate"),
        Band(20, 24, "moderately severe"),
        Band(25, 40, "severe"),
    ),
    risk_items=(6,),
    reliable_change=6,
    caseness=11,
    direction="higher_worse",
    citation=(
        "Barkham M, Bewick B, Mullin T, et al. The CORE-10: a short measure of psychological "
        "distress for routine use in the psychological therapies. Counselling and "
        "Psychotherapy Research. 2013;13(1):3-13."
    ),
    licence=(
        "CORE System Trust. The form may be copied unaltered, with its copyright notice; "
        "it must never be edited."
    ),
    # The texts and the copyright notice must be copied letter for letter from the
    # CORE System Trust's own form; they are left out until someone does that
    # against the official PDF (see docs/measures.md).
    item_texts=None,
    copyright_notice=None,
)

# EPDS: items 1, 2 and 4 print their options 0,1,2,3; items 3 and 5-10 print
# them 3,2,1,0 (the reversal is in the printed values, so reverse_from is None).
_EPDS_REVERSED = (3, 5, 6, 7, 8, 9, 10)

EPDS = Instrument(
    code="epds",
    name="Edinburgh Postnatal Depression Scale (EPDS)",
    short_name="EPDS",
    items=10,
    option_values=tuple(
        (3, 2, 1, 0) if item in _EPDS_REVERSED else (0, 1, 2, 3) for item in range(1, 11)
    ),
    reversed_items=_EPDS_REVERSED,
    reverse_from=None,
    max_missing=0,
    bands=(
        Band(0, 9, "unlikely"),
        Band(10, 12, "possible"),
        Band(13, 30, "probable"),
    ),
    risk_items=(10,),
    reliable_change=4,
    caseness=13,
    direction="higher_worse",
    citation=(
        "Cox JL, Holden JM, Sagovsky R. Detection of postnatal depression: development of the "
        "10-item Edinburgh Postnatal Depression Scale. Br J Psychiatry. 1987;150:782-786."
    ),
    licence=(
        "Copyright The Royal College of Psychiatrists 1987. The item texts need the owner's "
        "permission and are not shipped; an organisation with permission loads them "
        "(peercircle measures load-text FILE)."
    ),
    needs_licensed_text=True,
)

UCLA3 = Instrument(
    code="ucla3",
    name="UCLA 3-item Loneliness Scale",
    short_name="UCLA-3",
    items=3,
    option_values=_same((1, 2, 3), 3),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(Band(3, 5, "not lonely"), Band(6, 9, "lonely")),
    risk_items=(),
    reliable_change=None,
    caseness=None,
    direction="higher_worse",
    citation=(
        "Hughes ME, Waite LJ, Hawkley LC, Cacioppo JT. A short scale for measuring loneliness "
        "in large surveys: results from two population-based studies. Res Aging. "
        "2004;26(6):655-672."
    ),
    licence="Published for use; the ONS recommends it as its national measure of loneliness.",
    item_texts=(
        "How often do you feel that you lack companionship?",
        "How often do you feel left out?",
        "How often do you feel isolated from others?",
    ),
    option_labels=("Hardly ever", "Some of the time", "Often"),
)

# SWEMWBS raw total (7-35) -> Rasch metric score, from MEASURES.md.
SWEMWBS_METRIC: tuple[float, ...] = (
    7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36,
    16.88, 17.43, 17.98, 18.59, 19.25, 19.98, 20.73, 21.54, 22.35, 23.21,
    24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55, 35.00,
)  # fmt: skip

_WARWICK_LICENCE = (
    "Warwick-Edinburgh Mental Wellbeing Scales, University of Warwick and NHS Health "
    "Scotland. Use needs registration with the owners; the item texts are not shipped and "
    "are loaded by a licensed organisation (peercircle measures load-text FILE)."
)

SWEMWBS = Instrument(
    code="swemwbs",
    name="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    short_name="SWEMWBS",
    items=7,
    option_values=_same((1, 2, 3, 4, 5), 7),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(),
    risk_items=(),
    reliable_change=3,
    caseness=None,
    direction="higher_better",
    citation=(
        "Stewart-Brown S, Tennant A, Tennant R, Platt S, Parkinson J, Weich S. Internal "
        "construct validity of the Warwick-Edinburgh Mental Well-being Scale (WEMWBS): a Rasch "
        "analysis using data from the Scottish Health Education Population Survey. Health "
        "Qual Life Outcomes. 2009;7:15."
    ),
    licence=_WARWICK_LICENCE,
    needs_licensed_text=True,
    metric_table=SWEMWBS_METRIC,
)

WEMWBS = Instrument(
    code="wemwbs",
    name="Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS)",
    short_name="WEMWBS",
    items=14,
    option_values=_same((1, 2, 3, 4, 5), 14),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(),
    risk_items=(),
    reliable_change=3,
    caseness=None,
    direction="higher_better",
    citation=(
        "Tennant R, Hiller L, Fishwick R, et al. The Warwick-Edinburgh Mental Well-being Scale "
        "(WEMWBS): development and UK validation. Health Qual Life Outcomes. 2007;5:63."
    ),
    licence=_WARWICK_LICENCE,
    needs_licensed_text=True,
)

QPR15 = Instrument(
    code="qpr15",
    name="Questionnaire about the Process of Recovery (QPR-15)",
    short_name="QPR-15",
    items=15,
    option_values=_same((0, 1, 2, 3, 4), 15),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(),
    risk_items=(),
    reliable_change=5,
    caseness=None,
    direction="higher_better",
    citation=(
        "Law H, Neil ST, Dunn G, Morrison AP. Psychometric properties of the Questionnaire "
        "about the Process of Recovery (QPR). Schizophr Res. 2014;156(2-3):184-189."
    ),
    licence="Freely available; no permission needed for use.",
    # Free to use, but the texts are left out until copied from the authors' own
    # form: we do not ship wording we cannot check letter for letter.
    item_texts=None,
)

_ONS4_POSITIVE = (
    Band(0, 4, "low"),
    Band(5, 6, "medium"),
    Band(7, 8, "high"),
    Band(9, 10, "very high"),
)
_ONS4_ANXIOUS = (
    Band(0, 1, "very low"),
    Band(2, 3, "low"),
    Band(4, 5, "medium"),
    Band(6, 10, "high"),
)

ONS4 = Instrument(
    code="ons4",
    name="ONS personal well-being questions (ONS4)",
    short_name="ONS4",
    items=4,
    option_values=_same(tuple(range(11)), 4),
    reversed_items=(),
    reverse_from=None,
    max_missing=0,
    bands=(),
    risk_items=(),
    reliable_change=None,
    caseness=None,
    direction=None,
    citation=(
        "Office for National Statistics. Personal well-being user guidance (the four ONS "
        "personal well-being questions)."
    ),
    licence="Published by the Office for National Statistics for use.",
    item_texts=(
        "Overall, how satisfied are you with your life nowadays?",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
        "Overall, how happy did you feel yesterday?",
        "Overall, how anxious did you feel yesterday?",
    ),
    has_total=False,
    item_keys=("satisfied", "worthwhile", "happy", "anxious"),
    item_bands=(_ONS4_POSITIVE, _ONS4_POSITIVE, _ONS4_POSITIVE, _ONS4_ANXIOUS),
    missing_rule="every item must be answered; items are reported one by one, never summed",
)

INSTRUMENTS: dict[str, Instrument] = {
    i.code: i for i in (PHQ9, GAD7, CORE10, EPDS, UCLA3, SWEMWBS, WEMWBS, QPR15, ONS4)
}


def get(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        known = ", ".join(sorted(INSTRUMENTS))
        raise ValueError(f"Unknown instrument {code!r}; known instruments: {known}") from None


def needs_licensed_text(code: str) -> bool:
    """True where the texts must come from a licence holder before it can be scheduled."""
    return get(code).needs_licensed_text


def item_text(code: str, item: int) -> str:
    """The item's text, or the placeholder where it is licensed or not yet entered."""
    instrument = get(code)
    if instrument.item_texts is None:
        return LICENSED_TEXT_NEEDED if instrument.needs_licensed_text else "text not yet entered"
    return instrument.item_texts[item - 1]
