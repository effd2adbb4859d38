"""Who a programme is for. Pure module: plain data in, reasons out.

A rule that a person has not told us enough to check is reported as a
question to answer, never silently passed or failed. See docs/programmes.md.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

GENDER_WORDS = {
    "woman": "women",
    "man": "men",
    "non_binary": "non-binary people",
    "self_described": "people who describe their gender in another way",
}
STAGE_WORDS = {
    "pregnant": "expecting a baby",
    "postnatal": "who have had a baby in the last year",
    "toddler": "with a child aged one or two",
}


@dataclass(frozen=True, slots=True)
class Rules:
    min_age: int | None = None
    max_age: int | None = None
    genders: Collection[str] = field(default_factory=tuple)
    perinatal_stages: Collection[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Person:
    age: int | None = None
    gender: str = ""
    perinatal_stage: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    eligible: bool
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # context fields we need to ask about


def describe(rules: Rules) -> str:
    """Who the programme is for, in one plain sentence ("" if anyone)."""
    parts = []
    if rules.genders:
        parts.append(" and ".join(GENDER_WORDS.get(g, g) for g in sorted(rules.genders)))
    if rules.perinatal_stages:
        parts.append(
            "parents " + " or ".join(STAGE_WORDS.get(s, s) for s in sorted(rules.perinatal_stages))
        )
    if rules.min_age is not None and rules.max_age is not None:
        parts.append(f"aged {rules.min_age} to {rules.max_age}")
    elif rules.min_age is not None:
        parts.append(f"aged {rules.min_age} or over")
    elif rules.max_age is not None:
        parts.append(f"aged {rules.max_age} or under")
    if not parts:
        return ""
    if not rules.genders and not rules.perinatal_stages:
        parts[0] = "people " + parts[0]
    return "For " + ", ".join(parts) + "."


def check(rules: Rules, person: Person) -> Verdict:
    reasons: list[str] = []
    missing: list[str] = []
    if rules.min_age is not None or rules.max_age is not None:
        if person.age is None:
            missing.append("year_of_birth")
        elif rules.min_age is not None and person.age < rules.min_age:
            reasons.append(f"This programme is for people aged {rules.min_age} or over.")
        elif rules.max_age is not None and person.age > rules.max_age:
            reasons.append(f"This programme is for people aged {rules.max_age} or under.")
    if rules.genders:
        if not person.gender:
            missing.append("gender")
        elif person.gender not in rules.genders:
            reasons.append(
                "This programme is for "
                + " and ".join(GENDER_WORDS.get(g, g) for g in sorted(rules.genders))
                + "."
            )
    if rules.perinatal_stages:
        if not person.perinatal_stage:
            missing.append("perinatal_stage")
        elif person.perinatal_stage not in rules.perinatal_stages:
            reasons.append(
                "This programme is for parents "
                + " or ".join(STAGE_WORDS.get(s, s) for s in sorted(rules.perinatal_stages))
                + "."
            )
    return Verdict(
        eligible=not reasons and not missing, reasons=tuple(reasons), missing=tuple(missing)
    )
