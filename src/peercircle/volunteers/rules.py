"""The volunteer pipeline's rules, in plain data: which state may follow which,
what to say when a move is refused, why someone may not support people yet,
and when a volunteer's wellbeing is falling.

Pure module (no Django import), tested alone. See docs/volunteers.md.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

APPLIED = "applied"
SCREENING = "screening"
TRAINING = "training"
ACTIVE = "active"
PAUSED = "paused"
LEFT = "left"

STATES: tuple[str, ...] = (APPLIED, SCREENING, TRAINING, ACTIVE, PAUSED, LEFT)
#: The way in, in order; each step is taken one at a time.
PATH: tuple[str, ...] = (APPLIED, SCREENING, TRAINING, ACTIVE)
#: States a volunteer can pause from (and return to when they resume).
PAUSABLE: tuple[str, ...] = PATH

FACILITATE = "facilitate"
ONE_TO_ONE = "one_to_one"
SUPPORT_ROLES: tuple[str, ...] = (FACILITATE, ONE_TO_ONE)
#: "Alex can't <doing> yet: ..."
ROLE_DOING = {FACILITATE: "facilitate", ONE_TO_ONE: "take on one-to-one support"}


def allowed_moves(state: str, paused_from: str = "") -> tuple[str, ...]:
    """The states a profile in ``state`` may move to.

    applied -> screening -> training -> active, one step at a time; any of
    those -> paused, and paused -> the state it was paused from; any state
    but left -> left. Leaving is final for that application: coming back is
    a new application (left -> applied through applying again).
    """
    if state == LEFT:
        return ()
    if state == PAUSED:
        return tuple(s for s in (paused_from, LEFT) if s)
    moves: list[str] = []
    index = PATH.index(state)
    if index + 1 < len(PATH):
        moves.append(PATH[index + 1])
    moves += [PAUSED, LEFT]
    return tuple(moves)


def refusal(state: str, wanted: str, paused_from: str = "") -> str | None:
    """Why ``state`` cannot move to ``wanted``, in plain words; None if it can."""
    if wanted not in STATES:
        return f"{wanted!r} is not a volunteer state; the states are {', '.join(STATES)}."
    if wanted in allowed_moves(state, paused_from):
        return None
    if wanted == state:
        return f"This volunteer is {state_words(state)} already."
    if state == LEFT:
        return (
            "This volunteer has left. To come back they apply again, and their "
            "application starts from applied."
        )
    if state == PAUSED:
        back = paused_from or "where they were"
        return (
            f"This volunteer is paused. Resume first (they go back to {back}), "
            "or record that they have left."
        )
    if wanted in PATH and state in PATH:
        here, there = PATH.index(state), PATH.index(wanted)
        if there > here + 1:
            skipped = list(PATH[here + 1 : there])
            return (
                f"You can't move from {state} to {wanted}: {_and(skipped)} "
                f"{'comes' if len(skipped) == 1 else 'come'} first."
            )
        if there < here:
            return (
                f"You can't move from {state} back to {wanted}. Pause them instead, "
                "or record that they have left."
            )
    return f"You can't move from {state} to {wanted}."  # pragma: no cover - all cases above


def state_words(state: str) -> str:
    return {
        APPLIED: "at the application stage",
        SCREENING: "in screening",
        TRAINING: "in training",
        ACTIVE: "active",
        PAUSED: "paused",
        LEFT: "no longer volunteering",
    }[state]


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def day_words(day: date) -> str:
    """3 May 2026."""
    return f"{day.day} {day:%B %Y}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day if it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and the first day of the next."""
    first = day.replace(day=1)
    return first, add_months(first, 1)


# --- the gate --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckFact:
    """The volunteer's latest background check."""

    kind: str
    cleared: bool
    expires_on: date


@dataclass(frozen=True)
class GateFacts:
    """What the gate looks at, gathered from the database by the caller."""

    state: str | None  # None: no volunteer record in this organisation
    check: CheckFact | None
    #: Titles of required modules with no signed-off completion.
    not_signed_off: tuple[str, ...] = ()
    #: Titles of required modules completed but waiting for a coordinator.
    waiting_sign_off: tuple[str, ...] = ()
    #: (title, refresher due date) of required modules whose refresher has passed.
    refresher_overdue: tuple[tuple[str, date], ...] = ()


def gate_reasons(facts: GateFacts, today: date, *, check_state: bool = True) -> list[str]:
    """Each reason a person may not support people yet, as a phrase that follows
    "Alex can't facilitate yet: ". Empty when they may."""
    reasons: list[str] = []
    if facts.state is None:
        return ["they have no volunteer record here: they apply, are screened and trained first"]
    if check_state and facts.state != ACTIVE:
        reasons.append(
            {
                APPLIED: "their application has not been through screening",
                SCREENING: "they are still in screening",
                TRAINING: "they are still in training",
                PAUSED: "they have paused volunteering",
                LEFT: "they have left",
            }[facts.state]
        )
        if facts.state in (APPLIED, SCREENING, LEFT):
            return reasons
    if facts.check is None:
        reasons.append("they have no background check on record")
    elif not facts.check.cleared:
        reasons.append("their background check did not clear")
    elif facts.check.expires_on < today:
        reasons.append(f"their background check expired on {day_words(facts.check.expires_on)}")
    for title in facts.waiting_sign_off:
        reasons.append(f"“{title}” is waiting for a coordinator to sign it off")
    for title in facts.not_signed_off:
        reasons.append(f"they have not completed “{title}”")
    for title, due in facts.refresher_overdue:
        reasons.append(f"their refresher of “{title}” was due on {day_words(due)}")
    return reasons


def gate_message(name: str, role: str, reasons: Sequence[str]) -> str:
    """ "Alex can't facilitate yet: their background check expired on 3 May 2026." """
    return f"{name} can't {ROLE_DOING.get(role, 'support people')} yet: {'; '.join(reasons)}."


# --- wellbeing -------------------------------------------------------------------

#: ONS4 items where higher is better, with the words used in flags.
ONS4_POSITIVE = (
    ("satisfied", "life satisfaction"),
    ("worthwhile", "feeling that things are worthwhile"),
    ("happy", "happiness"),
)


@dataclass(frozen=True)
class Ons4:
    satisfied: int
    worthwhile: int
    happy: int
    anxious: int


def wellbeing_falling(
    history: Sequence[Ons4],
    *,
    drop: int,
    anxiety_high: int,
    anxious_checkins: int,
    baseline: int = 3,
) -> list[str]:
    """Why a volunteer's wellbeing looks to be falling, from their check-ins
    oldest first; empty when it does not.

    An item counts as falling when the latest answer is ``drop`` or more below
    the mean of up to ``baseline`` check-ins before it (one low day after a
    steady run counts; a slow slide counts once it adds up). Anxiety counts
    when each of the last ``anxious_checkins`` answers is ``anxiety_high`` or more.
    """
    reasons: list[str] = []
    if len(history) >= 2:
        latest = history[-1]
        before = history[-1 - baseline : -1]
        for key, words in ONS4_POSITIVE:
            mean = sum(getattr(item, key) for item in before) / len(before)
            now = getattr(latest, key)
            if mean - now >= drop:
                reasons.append(f"{words} fell from about {round(mean)} to {now} out of 10")
    if anxious_checkins >= 1 and len(history) >= anxious_checkins:
        recent = history[-anxious_checkins:]
        if all(item.anxious >= anxiety_high for item in recent):
            reasons.append(
                "anxiety was high ("
                f"{', '.join(str(item.anxious) for item in recent)} out of 10) in the last "
                + ("check-in" if anxious_checkins == 1 else f"{anxious_checkins} check-ins")
            )
    return reasons
