"""Risk screening of a message: ``screen(text, language) -> ScreeningResult``.

Pure Python (no Django). The text is normalised (``normalise.py``), matched
against the rules of its own language and of English (and of any other language
whose common words it uses), and each match is read in its context: a figure of
speech, a negation before it, the past or recovery, and who it is about. Plans,
means, weapons and timing raise the risk that is left. The result says the
level, the categories, who it is about, and every rule that fired, with the
words of the original message that fired it.

Bad input never raises: ``None``, bytes (decoded as UTF-8 with replacement),
anything else (its ``str``), enormous text (screened in overlapping windows), or
binary junk all get a result. A genuine fault in the engine or a language file
does raise, so that the caller records "screening failed" and brings a human in.

See docs/screening.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from peercircle.safety.screening.model import load_model, opinion
from peercircle.safety.screening.normalise import (
    Normalised,
    joinable_pattern,
    masked_words,
    normalise,
    spelling_table,
)
from peercircle.safety.screening.rules import (
    CATEGORIES,
    LEVELS,
    Language,
    Modifier,
    Rule,
    languages,
    load,
)

# Rules or model changed: 1.1 to 1.5 on 3 December 2026, 1.6 to 2.3 on 4 December.
ENGINE_VERSION = "2.3"
# The evidence name of the learned second opinion (model.py).
MODEL_RULE = "model.serious"

DEFAULT_LANGUAGE = "en"
# Messages longer than this are screened in overlapping windows, so memory stays
# bounded and no context look-up runs far.
WINDOW = 8192
OVERLAP = 512
# The most evidence a result carries; every rule that fired is in it at least once
# (up to this many rules).
MAX_EVIDENCE = 100
# How far either side of a match its context (clause, sentence) is looked for.
REACH = 160

_RANK = {level: index for index, level in enumerate(LEVELS)}
_SENTENCE_BREAK = re.compile(r"[.!?;\n]")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule that fired, and the words of the original message that fired it.

    ``level`` is what this evidence contributed: "none" for a match that did not
    count (negated, in the past, a figure of speech) and for the context cue that
    explains why.
    """

    rule: str
    category: str | None
    level: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "level": self.level,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    level: str
    categories: frozenset[str]
    evidence: tuple[Evidence, ...]
    about: str
    language: str

    @property
    def needs_human(self) -> bool:
        return self.level in ("high", "imminent")

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "categories": sorted(self.categories),
            "evidence": [e.to_dict() for e in self.evidence],
            "about": self.about,
            "language": self.language,
            "engine": ENGINE_VERSION,
        }


@dataclass(slots=True)
class _Finding:
    rule: str
    category: str | None
    level: str
    start: int  # in the original text
    end: int
    about: str
    counted: bool


def screen(text: object, language: object = DEFAULT_LANGUAGE) -> ScreeningResult:
    """Screen one message. Never raises for bad input; see the module docstring."""
    message = _as_text(text)
    code = _language_code(language)
    spans = [(0, len(message))] if len(message) <= WINDOW else _windows(message)
    findings: list[_Finding] = []
    windows: list[tuple[Normalised, int]] = []
    for start, end in spans:
        norm = normalise(message[start:end], _joinable(), _masked(), _spelling())
        windows.append((norm, start))
        findings.extend(_findings(norm, start, code))
    wanted = _second_opinion_wanted(findings)
    if wanted is not None:
        findings.extend(_second_opinion(windows, code, strict=wanted == "strict"))
    return _result(findings, message, code)


def _second_opinion_wanted(findings: list[_Finding]) -> Literal["yes", "strict"] | None:
    """Whether the learned model may speak. Not where a rule found high or
    imminent risk, nor where a match was a known figure of speech ("I'd kill for a
    cup of tea"): None. Only above its stricter threshold where a rule match was
    cancelled by a cue read around it (a negation, the past, recovery, general
    talk), since cue words can be misread: "strict". Otherwise "yes"."""
    wanted: Literal["yes", "strict"] = "yes"
    for f in findings:
        if (f.counted and _RANK[f.level] >= _RANK["high"]) or ".figure." in f.rule:
            return None
        if ".context." in f.rule:
            wanted = "strict"
    return wanted


def _second_opinion(
    windows: list[tuple[Normalised, int]], code: str, strict: bool = False
) -> list[_Finding]:
    model = load_model()
    if model is None:
        return []
    for norm, offset in windows:
        seen = opinion(model, norm.text, strict)
        if seen is not None:
            reader = _Reader(load(code), norm, offset)
            about = reader._about(seen.start, seen.end, reflexive=True)
            finding = reader._finding(
                MODEL_RULE, seen.category, "high", seen.start, seen.end, about
            )
            finding.counted = True
            return [finding]
    return []


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        return str(value)
    except Exception:  # a bad __str__ is bad input, not an engine fault
        return ""


def _language_code(language: object) -> str:
    if not isinstance(language, str):
        return DEFAULT_LANGUAGE
    code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return code if code in languages() else DEFAULT_LANGUAGE


def _windows(text: str) -> list[tuple[int, int]]:
    """Overlapping windows over a long text, cut at whitespace where there is some."""
    windows = []
    start = 0
    size = len(text)
    while start < size:
        end = min(size, start + WINDOW)
        if end < size:
            cut = text.rfind(" ", end - OVERLAP // 2, end)
            if cut > start:
                end = cut
        windows.append((start, end))
        if end >= size:
            break
        start = max(start + 1, end - OVERLAP)
    return windows


@cache
def _joinable() -> re.Pattern[str] | None:
    stems = (stem for code in languages() for stem in load(code).joinable if len(stem) >= 4)
    return joinable_pattern(stems)


# Words ending in "in" that are words in their own right, not "-ing" with the g
# dropped ("thin" is not "thing").
_NOT_DROPPED_G = frozenset(
    [
        "again",
        "begin",
        "within",
        "main",
        "pain",
        "rain",
        "brain",
        "train",
        "chain",
        "plain",
        "grain",
        "drain",
        "stain",
        "gain",
        "coin",
        "join",
        "skin",
        "thin",
        "twin",
        "spin",
        "chin",
        "shin",
        "ruin",
        "cabin",
        "robin",
        "basin",
        "cousin",
        "margin",
        "origin",
        "penguin",
        "muffin",
        "violin",
        "dolphin",
        "raisin",
        "pumpkin",
        "napkin",
        "vitamin",
        "insulin",
        "heroin",
        "aspirin",
        "toxin",
        "protein",
        "latin",
        "admin",
        "login",
        "bin",
        "sin",
        "win",
        "kin",
        "tin",
        "pin",
        "fin",
        "din",
        "lin",
    ]
)
_ING = re.compile(r"[^\W\d_]{3,}ing(?![^\W\d_])")


@cache
def _spelling() -> dict[str, str]:
    loaded = [load(code) for code in languages()]
    table = spelling_table(
        (pair for language in loaded for pair in language.spelling),
        (word for language in loaded for word in language.fuzzy),
    )
    # Text-speak drops the g of "-ing" ("bleedin", "foamin"): every "-ing" word
    # the rules use is read when written that way.
    for language in loaded:
        for body in language.matcher.bodies():
            for word in _ING.findall(body):
                dropped = word[:-1]
                if dropped not in _NOT_DROPPED_G:
                    table.setdefault(dropped, word)
    return table


@cache
def _masked() -> dict[int, tuple[str, ...]]:
    return masked_words(word for code in languages() for word in load(code).joinable)


def _languages_for(code: str, norm: str) -> list[Language]:
    """The message's own language, English, and any other whose common words it uses."""
    chosen = [load(code)]
    if code != DEFAULT_LANGUAGE:
        chosen.append(load(DEFAULT_LANGUAGE))
    others = [c for c in languages() if c != code and c != DEFAULT_LANGUAGE]
    if others:
        words = set(_WORD.findall(norm))
        for other in others:
            language = load(other)
            if len(language.markers & words) >= language.markers_needed:
                chosen.append(language)
    return chosen


def _findings(norm: Normalised, offset: int, code: str) -> list[_Finding]:
    findings: list[_Finding] = []
    for language in _languages_for(code, norm.text):
        findings.extend(_Reader(language, norm, offset).read())
    return findings


class _Reader:
    """Reads one message with one language's rules."""

    def __init__(self, language: Language, norm: Normalised, offset: int) -> None:
        self.language = language
        self.norm = norm
        self.text = norm.text
        self.offset = offset
        self._figures: list[tuple[int, int, str]] | None = None
        self._recovery: list[tuple[int, int]] | None = None
        self.cues = language.cues.all
        self._clause_starts: dict[int, int] = {}

    def read(self) -> list[_Finding]:
        language = self.language
        text = self.text
        rules = language.rules
        risks = [(rules[n], start, end) for n, start, end in language.matcher.matches(text)]
        if not risks:
            return []
        # Only the cues this message can match are searched from here on.
        self.cues = language.cues.for_text(text)
        risks = _outermost(risks)

        findings: list[_Finding] = []
        counted: list[tuple[Rule, _Finding]] = []
        for rule, start, end in risks:
            level, about, cause = self._judge(rule, start, end)
            finding = self._finding(rule.name, rule.category, level, start, end, about)
            finding.counted = cause is None and level != "none"
            findings.append(finding)
            if cause is not None:
                findings.append(cause)
            elif finding.counted:
                counted.append((rule, finding))
                # An overdose taken on purpose is a medical emergency as well.
                for category in rule.also:
                    extra = self._finding(rule.name, category, level, start, end, about)
                    extra.counted = True
                    findings.append(extra)
        raisable = any(
            rule.category is not None
            and _RANK["moderate"] <= _RANK[finding.level] < _RANK["imminent"]
            for rule, finding in counted
        )
        if raisable and language.modifier_matcher is not None:
            findings.extend(self._raise(counted))
        return findings

    def _raise(self, counted: list[tuple[Rule, _Finding]]) -> list[_Finding]:
        """Plans, means, weapons and timing raise the risk found by one level each."""
        language = self.language
        assert language.modifier_matcher is not None
        kinds: dict[str, list[tuple[Modifier, int, int]]] = {}
        modifiers = language.modifiers
        for n, start, end in language.modifier_matcher.matches(self.text):
            modifier = modifiers[n]
            if self._figure(start, end) is not None:
                continue
            if modifier.negatable and self._negation(start) is not None:
                continue
            kinds.setdefault(modifier.kind, []).append((modifier, start, end))
        if not kinds:
            return []
        used: dict[tuple[str, int, int], str] = {}
        for rule, finding in counted:
            rank = _RANK[finding.level]
            if rule.category is None or not _RANK["moderate"] <= rank < _RANK["imminent"]:
                continue
            applying = [
                next(item for item in items if rule.category in item[0].raises)
                for items in kinds.values()
                if any(rule.category in item[0].raises for item in items)
            ]
            if not applying:
                continue
            finding.level = LEVELS[min(rank + len(applying), _RANK["imminent"])]
            for modifier, start, end in applying:
                key = (modifier.name, start, end)
                if _RANK[finding.level] > _RANK[used.get(key, "none")]:
                    used[key] = finding.level
        raised = []
        for (name, start, end), level in used.items():
            finding = self._finding(name, None, level, start, end, "self")
            finding.counted = True
            raised.append(finding)
        return raised

    def _finding(
        self, rule: str, category: str | None, level: str, start: int, end: int, about: str
    ) -> _Finding:
        first, last = self.norm.span(start, end)
        return _Finding(
            rule, category, level, first + self.offset, last + self.offset, about, False
        )

    def _cause(self, name: str, start: int, end: int) -> _Finding:
        return self._finding(f"{self.language.code}.{name}", None, "none", start, end, "self")

    def _judge(self, rule: Rule, start: int, end: int) -> tuple[str, str, _Finding | None]:
        """The level and who it is about; a cause when the match does not count."""
        cues = self.cues
        text = self.text
        figure = self._figure(start, end)
        if figure is not None:
            f_start, f_end, name = figure
            return "none", "self", self._finding(name, None, "none", f_start, f_end, "self")
        if rule.unless is not None or rule.unless_anywhere is not None:
            m = None
            if rule.unless is not None:
                m = rule.unless.search(text, *self._sentence(start, end))
            if m is None and rule.unless_anywhere is not None:
                m = rule.unless_anywhere.search(text)
            if m is not None:
                return "none", "self", self._cause("context.unless", m.start(), m.end())
        if rule.with_ is not None and rule.with_.search(text) is None:
            return "none", "self", None
        if rule.negatable:
            negation = self._negation(start) or self._negation_after(end)
            if negation is not None:
                return "none", "self", self._cause("context.negation", *negation)

        general = self._general(start)
        if general is not None:
            return "none", "self", self._cause("context.general", *general)
        about = rule.about
        if about in ("auto", "subject"):
            about = self._about(start, end, reflexive=about == "auto")
        if about == "someone_else" and cues.fiction is not None:
            m = cues.fiction.search(text, *self._sentence(start, end))
            if m is not None:
                return "none", about, self._cause("context.fiction", m.start(), m.end())
        level = rule.other if about == "someone_else" else rule.level

        past = self._past(rule, start, end)
        if past is not None:
            past_level = rule.past
            if _RANK[level] < _RANK[past_level]:
                past_level = level
            if past_level == "none":
                return "none", about, self._cause(*past)
            level = past_level
        if rule.resisted is not None and _RANK[rule.resisted] < _RANK[level]:
            resisting = cues.resisting
            m = resisting.search(text, start) if resisting is not None else None
            if m is not None:
                level = rule.resisted
        return level, about, None

    def _clause_start(self, start: int) -> int:
        # Asked for the same match by several cues: worked out once.
        last = self._clause_starts.get(start)
        if last is None:
            last = max(0, start - REACH)
            for m in self.cues.clause_break.finditer(self.text, last, start):
                last = m.end()
            self._clause_starts[start] = last
        return last

    def _negation(self, start: int) -> tuple[int, int] | None:
        clause = self._clause_start(start)
        m = self.cues.negation.search(self.text, clause, start)
        if m is None:
            return None
        return m.start(), m.end()

    def _negation_after(self, end: int) -> tuple[int, int] | None:
        """A negation that follows the match in its sentence ("... hasn't crossed my
        mind", "..., not in a bad way")."""
        pattern = self.cues.negation_after
        if pattern is None:
            return None
        m = pattern.search(self.text, end, self._sentence(end, end)[1])
        if m is None:
            return None
        return m.start(), m.end()

    def _general(self, start: int) -> tuple[int, int] | None:
        """A cue earlier in the match's clause that it is about people in general
        ("if someone says...", "people who...", training), not a person."""
        m = self.cues.general.search(self.text, self._clause_start(start), start)
        return None if m is None else (m.start(), m.end())

    def _about(self, start: int, end: int, *, reflexive: bool) -> str:
        """Who a match is about: a reflexive word in it ("kill herself"), else the
        subject that starts it or runs into it ("she wants to die", "my son's been
        cutting"), else the last subject before it in its clause, else in its
        sentence ("he's collapsed and isn't breathing")."""
        cues = self.cues
        text = self.text
        if reflexive:
            m = cues.reflexive.search(text, start, end)
            if m is not None:
                return "self" if m.lastgroup == "self" else "someone_else"
        subject = None
        for found in cues.subject.finditer(text, self._clause_start(start), end):
            if found.start() > start and subject is not None:
                break
            subject = found
            if found.start() >= start:
                break
        if subject is None:
            lo = self._sentence(start, end)[0]
            for found in cues.subject.finditer(text, lo, start):
                subject = found
        if subject is None or subject.lastgroup == "self":
            return "self"
        return "someone_else"

    def _sentence(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        lo = max(0, start - REACH)
        for m in _SENTENCE_BREAK.finditer(text, lo, start):
            lo = m.end()
        hi_limit = min(len(text), end + REACH)
        stop = _SENTENCE_BREAK.search(text, end, hi_limit)
        return lo, stop.start() if stop is not None else hi_limit

    def _past(self, rule: Rule, start: int, end: int) -> tuple[str, int, int] | None:
        """A cue that the match is over.

        A recovery cue in its sentence ("six years free now"), or anywhere in the
        message for a past act, makes it over unless a relapse cue is in its
        sentence ("again", "relapsed"). A plain past cue in its sentence ("used
        to", "when I was little") makes it over unless a relapse cue is in the
        sentence or a present cue ("now", "tonight") is in the match's own clause
        and is not part of the past cue ("a year ago tonight").
        """
        cues = self.cues
        text = self.text
        lo, hi = self._sentence(start, end)
        relapse = cues.relapse
        relapsed = relapse is not None and relapse.search(text, lo, hi) is not None
        if not relapsed:
            for r_start, r_end in self._recovery_spans():
                if rule.act or (lo <= r_start and r_end <= hi):
                    return "context.recovery", r_start, r_end
        cue: tuple[str, int, int] | None = None
        # The cue may come before the match, after it, or inside it ("hurt me when
        # I was little"): the whole sentence is searched.
        for pattern in (cues.past_before, cues.past_after):
            if cue is None and pattern is not None:
                m = pattern.search(text, lo, hi)
                if m is not None:
                    cue = ("context.past", m.start(), m.end())
        if cue is None or relapsed:
            return None
        if cues.present is not None:
            c_lo = min(self._clause_start(start), start)
            c_hi = self._clause_end(end)
            for m in cues.present.finditer(text, c_lo, c_hi):
                if m.end() <= cue[1] or m.start() >= cue[2]:
                    return None
        return cue

    def _clause_end(self, end: int) -> int:
        hi = min(len(self.text), end + REACH)
        stop = self.cues.clause_break.search(self.text, end, hi)
        return stop.start() if stop is not None else hi

    def _recovery_spans(self) -> list[tuple[int, int]]:
        if self._recovery is None:
            recovery = self.cues.recovery
            self._recovery = (
                [(m.start(), m.end()) for m in recovery.finditer(self.text)]
                if recovery is not None
                else []
            )
        return self._recovery

    def _figure(self, start: int, end: int) -> tuple[int, int, str] | None:
        if self._figures is None:
            figures = []
            index = self.language.figures
            if index is not None:
                entries = self.language.figure_entries
                figures = [(s, e, entries[n].name) for n, s, e in index.matches(self.text)]
            self._figures = figures
        for f_start, f_end, name in self._figures:
            if f_start < end and start < f_end:
                return f_start, f_end, name
        return None


def _outermost(risks: list[tuple[Rule, int, int]]) -> list[tuple[Rule, int, int]]:
    """Drop a match that lies inside another match of the same rule."""
    kept: list[tuple[Rule, int, int]] = []
    for rule, start, end in risks:
        if any(r is rule and s <= start and end <= e for r, s, e in kept):
            continue
        kept.append((rule, start, end))
    return kept


def _result(findings: list[_Finding], message: str, code: str) -> ScreeningResult:
    counted = [f for f in findings if f.counted and f.level != "none"]
    level = max((f.level for f in counted), key=_RANK.__getitem__, default="none")
    if level == "none":
        categories: frozenset[str] = frozenset()
        about = "self"
    else:
        categories = frozenset(f.category for f in counted if f.category is not None)
        top = [f for f in counted if f.level == level and f.category is not None]
        about = "someone_else" if top and all(f.about == "someone_else" for f in top) else "self"
    evidence = _evidence(findings, message)
    return ScreeningResult(level, categories, evidence, about, code)


def _evidence(findings: list[_Finding], message: str) -> tuple[Evidence, ...]:
    unique: dict[tuple[str, int, int, str | None], _Finding] = {}
    for f in findings:
        key = (f.rule, f.start, f.end, f.category)
        held = unique.get(key)
        if held is None or _RANK[f.level] > _RANK[held.level]:
            unique[key] = f
    chosen = list(unique.values())
    if len(chosen) > MAX_EVIDENCE:
        chosen.sort(key=lambda f: (-_RANK[f.level], f.start))
        first: dict[str, _Finding] = {}
        for f in chosen:
            first.setdefault(f.rule, f)
        keep = list(first.values())[:MAX_EVIDENCE]
        taken = {id(f) for f in keep}
        for f in chosen:
            if len(keep) >= MAX_EVIDENCE:
                break
            if id(f) not in taken:
                keep.append(f)
        chosen = keep
    chosen.sort(key=lambda f: (f.start, -_RANK[f.level], f.rule))
    return tuple(
        Evidence(f.rule, f.category, f.level, f.start, f.end, message[f.start : f.end])
        for f in chosen
    )


__all__ = [
    "CATEGORIES",
    "ENGINE_VERSION",
    "LEVELS",
    "Evidence",
    "ScreeningResult",
    "languages",
    "screen",
]
