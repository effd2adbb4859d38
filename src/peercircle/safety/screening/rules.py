r"""Language files for risk screening: loading, checking and compiling.

A language is a TOML file in ``languages/`` named by its code (``en.toml``). It
holds macros, context cues, figures of speech, rules and modifiers; this module
turns one into a ``Language`` with a few big compiled regexes, once per process.
The format is described in docs/screening.md ("Writing rules").

Patterns are written as words are spelled ("kill myself", "don't"), and are
normalised here the way messages are (see ``normalise.py``): lower case, accents
stripped (but not æ, ø, å), apostrophes deleted, repeated letters collapsed; a
space (or a hyphen between letters) in a pattern matches one space or line
break. ``{name}`` is replaced by the macro ``name``. Every pattern must match
whole words; the engine adds the word boundaries. Patterns may not use capturing
groups or unbounded repeats of a group or of ``.``, ``\S``, ``\W``, ``\D``, so
that no message can make a rule backtrack for long.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from peercircle.safety.screening.index import Gate, PatternIndex
from peercircle.safety.screening.normalise import collapse, fold_char, normalise

LEVELS = ("none", "low", "moderate", "high", "imminent")
CATEGORIES = ("suicide", "self_harm", "harm_to_others", "abuse", "medical_emergency")
ABOUT = ("auto", "subject", "self", "someone_else")
MODIFIER_KINDS = ("timing", "means", "plan", "weapon")

LANGUAGES_DIR = Path(__file__).with_name("languages")


class RuleError(ValueError):
    """A language file that cannot be used; the message says the file and the rule."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule that says a message shows risk (or, with no category, distress)."""

    name: str  # full name: "en.suicide.intent"
    category: str | None
    level: str
    other: str  # the level when it is about someone else
    past: str  # the level when it is over (in the past, or in recovery)
    about: str  # "auto", "subject", "self" or "someone_else"
    negatable: bool
    resisted: str | None  # the most it can be when the writer says they are holding off
    act: bool  # a past-tense act: a recovery statement anywhere in the message makes it past
    unless: re.Pattern[str] | None  # in the match's sentence, it does not count
    unless_anywhere: re.Pattern[str] | None  # anywhere in the message, it does not count
    also: tuple[str, ...]  # more categories it says ("suicide" and "medical_emergency")
    with_: re.Pattern[str] | None  # it counts only where one of these is in the message too
    examples: tuple[str, ...]
    not_examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Modifier:
    """A plan, means, weapon or timing that raises risk already found."""

    name: str
    kind: str
    raises: frozenset[str]
    negatable: bool
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure of speech or a topic: a rule match inside one does not count."""

    name: str
    examples: tuple[str, ...]


class Cues(NamedTuple):
    """A language's context cues: what tells a match is negated, over, about
    someone else, about people in general, or held off."""

    clause_break: re.Pattern[str]
    negation: re.Pattern[str]  # anchored at the end of the text before a match
    negation_after: re.Pattern[str] | None  # just after a match, in its clause
    past_before: re.Pattern[str] | None
    past_after: re.Pattern[str] | None
    present: re.Pattern[str] | None
    recovery: re.Pattern[str] | None
    relapse: re.Pattern[str] | None  # cancels a recovery cue in the same sentence
    resisting: re.Pattern[str] | None  # "I won't", "I'm holding on"
    subject: re.Pattern[str]  # groups "other", "self"
    general: re.Pattern[str]  # the topic in general, not a person: cancels a match
    reflexive: re.Pattern[str]  # groups "self", "other"
    fiction: re.Pattern[str] | None


_NEVER = re.compile(r"(?!)")  # stands in for a cue a text cannot match


class CueIndex:
    """A language's context cues (``all``) and, for one text, only the ones it
    can match (``for_text``): most messages hold no word of most cues, and
    searching a big cue where none of its words are is most of what reading a
    match in context costs. A cue the text cannot match is ``None`` where a
    language may leave it out, else a pattern that never matches, so each
    search gives what searching the whole cue would."""

    def __init__(self, cues: Cues) -> None:
        self.all = cues
        self._gate = Gate(cues)
        self._by_bits: dict[int, Cues] = {}

    def for_text(self, text: str) -> Cues:
        bits = self._gate.possible(text)
        cues = self._by_bits.get(bits)
        if cues is None:
            cues = Cues._make(
                pattern
                if pattern is None or bits >> n & 1
                else _NEVER
                if n in _REQUIRED_CUES
                else None
                for n, pattern in enumerate(self.all)
            )
            self._by_bits[bits] = cues
        return cues


_REQUIRED_CUES = frozenset(
    Cues._fields.index(name)
    for name in ("clause_break", "negation", "subject", "general", "reflexive")
)


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    markers: frozenset[str]
    markers_needed: int
    joinable: tuple[str, ...]  # words, normalised, that may be written split or masked
    spelling: tuple[tuple[str, str], ...]  # text-speak, normalised: ("wen", "when")
    fuzzy: tuple[str, ...]  # words, normalised, forgiven one slip ("mysefl")
    # The patterns of the rules, the modifiers and the figures, each indexed by
    # the entry number in its tuple. Rules are tried highest level first, so
    # where two start at the same word the higher one is found.
    matcher: PatternIndex
    rules: tuple[Rule, ...]
    modifier_matcher: PatternIndex | None
    modifiers: tuple[Modifier, ...]
    figures: PatternIndex | None
    figure_entries: tuple[Figure, ...]
    cues: CueIndex  # the context cues


_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_DANGEROUS = re.compile(r"(?:\)|\.|\\[SDW])(?:[*+]|\{\d*,\})")


def normalise_pattern(pattern: str) -> str:
    """Normalise the literal letters of a regex the way ``normalise`` treats text.

    Escapes and character classes are left alone; a literal space becomes ``\\s``.
    """
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            word = "".join(literal).replace("'", "")
            out.append(collapse(word))
            literal.clear()

    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            flush()
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "[":
            flush()
            end = i + 1
            if end < n and pattern[end] == "^":
                end += 1
            if end < n and pattern[end] == "]":
                end += 1
            while end < n and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            out.append(pattern[i : end + 1])
            i = end + 1
        elif ch == "(" and pattern.startswith("(?", i):
            # (?: (?= (?! (?<= (?<! : copy the group opener as it is.
            flush()
            m = re.match(r"\(\?(?:[:=!]|<[=!])", pattern[i:])
            if m is None:
                raise RuleError(f"unsupported group in pattern {pattern!r}")
            out.append(m.group())
            i += len(m.group())
        elif ch == "{" and re.match(r"\{\d*,?\d*\}", pattern[i:]):
            flush()
            m = re.match(r"\{\d*,?\d*\}", pattern[i:])
            assert m is not None
            out.append(m.group())
            i += len(m.group())
        elif ch == " " or (
            ch == "-" and 0 < i < n - 1 and pattern[i - 1].isalpha() and pattern[i + 1].isalpha()
        ):
            # A hyphen between letters is a space in messages too ("self-harm").
            flush()
            out.append(r"\s")
            i += 1
        elif ch.isalpha() or ch == "'":
            literal.append("'" if ch == "'" else fold_char(ch))
            i += 1
        else:
            flush()
            out.append(ch)
            i += 1
    flush()
    return "".join(out)


def expand(pattern: str, macros: dict[str, str], where: str, depth: int = 0) -> str:
    if depth > 10:
        raise RuleError(f"{where}: macros nest too deep in {pattern!r}")

    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise RuleError(f"{where}: unknown macro {{{name}}} in {pattern!r}")
        return "(?:" + expand(macros[name], macros, where, depth + 1) + ")"

    return _MACRO.sub(replace, pattern)


def _check(pattern: str, where: str) -> None:
    """Refuse patterns that could backtrack without bound on long messages."""
    if _DANGEROUS.search(pattern):
        raise RuleError(
            f"{where}: unbounded repeat of a group or of '.' in {pattern!r}; "
            "use a bounded gap such as (?:\\w+ ){0,3}"
        )
    if "(?P" in pattern or re.search(r"\((?!\?)", pattern.replace("\\(", "")):
        raise RuleError(f"{where}: use (?:...) groups, not capturing ones, in {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as error:
        raise RuleError(f"{where}: {error} in {pattern!r}") from error


def _skip_class(pattern: str, i: int) -> int:
    """The index after the character class that starts at ``pattern[i] == "["``."""
    end = i + 1
    if end < len(pattern) and pattern[end] == "^":
        end += 1
    if end < len(pattern) and pattern[end] == "]":
        end += 1
    while end < len(pattern) and pattern[end] != "]":
        end += 2 if pattern[end] == "\\" else 1
    return end + 1


def _closing(pattern: str, i: int) -> int:
    """The index of the ")" that closes the group opened at ``pattern[i]``."""
    depth = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _skip_class(pattern, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise RuleError(f"unbalanced parentheses in {pattern!r}")


def _alternatives(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    last = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _skip_class(body, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[last:i])
            last = i + 1
        i += 1
    parts.append(body[last:])
    return parts


def _ends_in_lookaround(pattern: str) -> bool:
    """Whether the pattern ends with a lookahead or lookbehind group."""
    if not pattern.endswith(")"):
        return False
    i = 0
    last_open = -1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _skip_class(pattern, i)
            continue
        if ch == "(" and _closing(pattern, i) == len(pattern) - 1:
            last_open = i
            break
        i += 1
    return last_open >= 0 and pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), last_open)


def bound_lookaheads(pattern: str) -> str:
    """Close every alternative of a lookahead that ends in a word with a word
    boundary, so that ``cutting(?! (?:the|a|in))`` excludes "cutting a" but not
    "cutting and"."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "[":
            end = _skip_class(pattern, i)
            out.append(pattern[i:end])
            i = end
        elif pattern.startswith(("(?!", "(?="), i):
            close = _closing(pattern, i)
            fixed = []
            for alternative in _alternatives(pattern[i + 3 : close]):
                alternative = bound_lookaheads(alternative)
                tail = alternative[-1:]
                escaped = alternative[-2:-1] == "\\"
                if (
                    (tail.isalpha() or tail == ")")
                    and not escaped
                    and not _ends_in_lookaround(alternative)
                ):
                    alternative += r"(?!\w)"
                fixed.append(alternative)
            out.append(pattern[i : i + 3] + "|".join(fixed) + ")")
            i = close + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _compile_each(patterns: list[str], macros: dict[str, str], where: str) -> list[str]:
    parts = []
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise RuleError(f"{where}: patterns must be non-empty strings")
        expanded = bound_lookaheads(normalise_pattern(expand(pattern, macros, where)))
        _check(expanded, where)
        parts.append(expanded)
    return parts


def _compile_list(patterns: list[str], macros: dict[str, str], where: str) -> str:
    return "|".join(_compile_each(patterns, macros, where))


STRICT_BEFORE = r"(?<!\w)"
STRICT_AFTER = r"(?!\w)"
# Word boundaries that also let a pattern start or end with an emoji or a sign:
# the boundary holds where the pattern's own first or last character is not a
# letter.
LOOSE_BEFORE = r"(?:(?<!\w)|(?=\W))"
LOOSE_AFTER = r"(?:(?!\w)|(?<=\W))"


def _words(body: str) -> str:
    return STRICT_BEFORE + "(?:" + body + ")" + STRICT_AFTER


def _loose_words(body: str) -> str:
    return LOOSE_BEFORE + "(?:" + body + ")" + LOOSE_AFTER


def _optional(
    data: dict[str, Any], key: str, macros: dict[str, str], where: str
) -> re.Pattern[str] | None:
    patterns = _strings(data.get(key), f"{where} context.{key}")
    if not patterns:
        return None
    return re.compile(_loose_words(_compile_list(list(patterns), macros, f"{where} context.{key}")))


def _level(value: Any, where: str) -> str:
    if value not in LEVELS:
        raise RuleError(f"{where}: level {value!r} is not one of {LEVELS}")
    return str(value)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: expected a list of strings")
    return tuple(value)


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z_]+(?:\.[a-z0-9_]+)*", value):
        raise RuleError(f"{where}: a name is lower-case words joined by dots, not {value!r}")
    return value


def _table(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleError(f"{where}: expected a table")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(unknown)}")
    return value


def _patterns(item: dict[str, Any], macros: dict[str, str], here: str) -> list[str]:
    patterns = _strings(item.get("patterns"), f"{here}.patterns")
    if not patterns:
        raise RuleError(f"{here}: no patterns")
    return _compile_each(list(patterns), macros, here)


def _normal_word(word: str) -> str:
    return collapse("".join(fold_char(c) for c in word).replace("'", ""))


RULE_KEYS = frozenset(
    {
        "name",
        "category",
        "level",
        "other",
        "past",
        "resisted",
        "about",
        "negatable",
        "act",
        "unless",
        "unless_anywhere",
        "also",
        "with",
        "patterns",
        "examples",
        "not_examples",
        "note",
    }
)
MODIFIER_KEYS = frozenset({"name", "kind", "raises", "negatable", "patterns", "examples", "note"})
FIGURE_KEYS = frozenset({"name", "patterns", "examples", "note"})
CONTEXT_KEYS = frozenset(
    {
        "negation",
        "negation_filler",
        "negation_after",
        "clause_break_words",
        "past_before",
        "past_after",
        "present",
        "recovery",
        "relapse",
        "resisting",
        "general",
        "self",
        "other",
        "reflexive_self",
        "reflexive_other",
        "fiction",
    }
)
TOP_KEYS = frozenset(
    {
        "name",
        "markers",
        "markers_needed",
        "joinable",
        "spelling",
        "fuzzy",
        "macros",
        "context",
        "rule",
        "modifier",
        "figure",
    }
)


def _rule(
    code: str, index: int, item: Any, macros: dict[str, str], seen: set[str]
) -> tuple[Rule, list[str]]:
    where = f"{code}.toml"
    label = item.get("name") if isinstance(item, dict) else None
    item = _table(
        item, f"{where} rule {code}.{label}" if label else f"{where} rule {index + 1}", RULE_KEYS
    )
    name = f"{code}." + _name(item.get("name"), f"{where} rule {index + 1}")
    here = f"{where} rule {name}"
    if name in seen:
        raise RuleError(f"{here}: the name is used twice")
    seen.add(name)
    category = item.get("category")
    if category is not None and category not in CATEGORIES:
        raise RuleError(f"{here}: category {category!r} is not one of {CATEGORIES}")
    level = _level(item.get("level"), here)
    if category is None and LEVELS.index(level) > LEVELS.index("low"):
        raise RuleError(f"{here}: a rule without a category can only say 'low'")
    if category is not None and level == "none":
        raise RuleError(f"{here}: a rule with a category says at least 'low'")
    about = item.get("about", "auto")
    if about not in ABOUT:
        raise RuleError(f"{here}: about {about!r} is not one of {ABOUT}")
    resisted = item.get("resisted")
    unless = _strings(item.get("unless"), f"{here}.unless")
    with_ = _strings(item.get("with"), f"{here}.with")
    unless_anywhere = _strings(item.get("unless_anywhere"), f"{here}.unless_anywhere")
    also = _strings(item.get("also"), f"{here}.also")
    for more in also:
        if more not in CATEGORIES or more == category:
            raise RuleError(f"{here}: also {more!r} is not another of {CATEGORIES}")
    if also and category is None:
        raise RuleError(f"{here}: also needs a category")
    for key in ("negatable", "act"):
        if key in item and not isinstance(item[key], bool):
            raise RuleError(f"{here}: {key} is true or false")
    rule = Rule(
        name=name,
        category=category,
        level=level,
        # Someone else's risk is judged as if they had written it (the guide).
        other=_level(item.get("other", level), here),
        past=_level(item.get("past", "none"), here),
        about=str(about),
        negatable=bool(item.get("negatable", True)),
        resisted=None if resisted is None else _level(resisted, here),
        act=bool(item.get("act", False)),
        unless=(
            re.compile(_loose_words(_compile_list(list(unless), macros, f"{here}.unless")))
            if unless
            else None
        ),
        unless_anywhere=(
            re.compile(
                _loose_words(
                    _compile_list(list(unless_anywhere), macros, f"{here}.unless_anywhere")
                )
            )
            if unless_anywhere
            else None
        ),
        also=also,
        with_=(
            re.compile(_loose_words(_compile_list(list(with_), macros, f"{here}.with")))
            if with_
            else None
        ),
        examples=_strings(item.get("examples"), f"{here}.examples"),
        not_examples=_strings(item.get("not_examples"), f"{here}.not_examples"),
    )
    return rule, _patterns(item, macros, here)


def parse(code: str, data: dict[str, Any]) -> Language:
    """Build a ``Language`` from the parsed TOML of ``<code>.toml``.

    Raises ``RuleError`` naming the file and the rule for anything it cannot use.
    """
    where = f"{code}.toml"
    data = _table(data, where, TOP_KEYS)
    raw_macros = data.get("macros") or {}
    macros_table = _table(raw_macros, f"{where} macros", frozenset(raw_macros))
    macros = {}
    for key, value in macros_table.items():
        if not isinstance(value, str) or not value:
            raise RuleError(f"{where} macros.{key}: a macro is a non-empty string")
        macros[str(key)] = value
    context = _table(data.get("context") or {}, f"{where} context", CONTEXT_KEYS)

    seen: set[str] = set()
    rule_list = data.get("rule") or []
    if not isinstance(rule_list, list) or not rule_list:
        raise RuleError(f"{where}: no rules ([[rule]] tables)")
    parsed = [_rule(code, index, item, macros, seen) for index, item in enumerate(rule_list)]
    # Highest level first: at one start position the regex reports the first
    # alternative that matches.
    parsed.sort(key=lambda pair: -LEVELS.index(pair[0].level))
    rules = tuple(rule for rule, _ in parsed)
    matcher = PatternIndex(
        ((n, body) for n, (_, bodies) in enumerate(parsed) for body in bodies),
        before=STRICT_BEFORE,
        after=STRICT_AFTER,
    )

    modifiers: list[Modifier] = []
    modifier_groups: list[list[str]] = []
    for index, raw in enumerate(data.get("modifier") or []):
        label = raw.get("name") if isinstance(raw, dict) else None
        item = _table(
            raw,
            f"{where} modifier {code}.{label}" if label else f"{where} modifier {index + 1}",
            MODIFIER_KEYS,
        )
        name = f"{code}." + _name(item.get("name"), f"{where} modifier {index + 1}")
        here = f"{where} modifier {name}"
        if name in seen:
            raise RuleError(f"{here}: the name is used twice")
        seen.add(name)
        kind = item.get("kind")
        if kind not in MODIFIER_KINDS:
            raise RuleError(f"{here}: kind {kind!r} is not one of {MODIFIER_KINDS}")
        raises = frozenset(_strings(item.get("raises", ["suicide", "self_harm"]), f"{here}.raises"))
        if not raises or not raises <= set(CATEGORIES):
            raise RuleError(f"{here}: raises must list categories from {CATEGORIES}")
        modifier_groups.append(_patterns(item, macros, here))
        modifiers.append(
            Modifier(
                name=name,
                kind=str(kind),
                raises=raises,
                negatable=bool(item.get("negatable", True)),
                examples=_strings(item.get("examples"), f"{here}.examples"),
            )
        )
    modifier_matcher = (
        PatternIndex(
            ((n, body) for n, bodies in enumerate(modifier_groups) for body in bodies),
            before=STRICT_BEFORE,
            after=STRICT_AFTER,
        )
        if modifier_groups
        else None
    )

    figure_entries: list[Figure] = []
    figure_groups: list[list[str]] = []
    for index, raw in enumerate(data.get("figure") or []):
        label = raw.get("name") if isinstance(raw, dict) else None
        item = _table(
            raw,
            f"{where} figure {code}.figure.{label}" if label else f"{where} figure {index + 1}",
            FIGURE_KEYS,
        )
        name = f"{code}.figure." + _name(item.get("name"), f"{where} figure {index + 1}")
        here = f"{where} figure {name}"
        if name in seen:
            raise RuleError(f"{here}: the name is used twice")
        seen.add(name)
        figure_groups.append(_patterns(item, macros, here))
        figure_entries.append(Figure(name, _strings(item.get("examples"), f"{here}.examples")))
    figures = (
        PatternIndex(
            ((n, body) for n, bodies in enumerate(figure_groups) for body in bodies),
            before=LOOSE_BEFORE,
            after=LOOSE_AFTER,
        )
        if figure_groups
        else None
    )

    def cues(key: str) -> str:
        patterns = list(_strings(context.get(key), f"{where} context.{key}"))
        if not patterns:
            raise RuleError(f"{where}: context.{key} is required")
        return _compile_list(patterns, macros, f"{where} context.{key}")

    negation = cues("negation")
    filler = cues("negation_filler")
    subject_parts = [f"(?P<other>{cues('other')})", f"(?P<self>{cues('self')})"]
    here = f"{where} context.clause_break_words"
    breaks = list(_strings(context.get("clause_break_words"), here))
    break_words = _compile_list(breaks, macros, here)
    clause_break = r"[.!?;:,\n()\"“”]" + (
        r"|(?<!\w)(?:" + break_words + r")(?!\w)" if break_words else ""
    )

    markers_needed = data.get("markers_needed", 2)
    if not isinstance(markers_needed, int) or markers_needed < 1:
        raise RuleError(f"{where}: markers_needed is a whole number, at least 1")
    joinable = tuple(_normal_word(w) for w in _strings(data.get("joinable"), f"{where}.joinable"))
    markers = frozenset(_normal_word(w) for w in _strings(data.get("markers"), f"{where}.markers"))
    raw_spelling = data.get("spelling") or {}
    spelling_table = _table(raw_spelling, f"{where} spelling", frozenset(raw_spelling))
    spelling = []
    for word, meaning in spelling_table.items():
        if not isinstance(meaning, str) or not meaning.strip() or not str(word).strip():
            raise RuleError(f"{where} spelling.{word}: a spelling is a word and what it stands for")
        key = normalise(str(word)).text.strip()
        if not re.fullmatch(r"[^\W_]+", key):
            raise RuleError(f"{where} spelling.{word}: only single words can be respelled")
        spelling.append((key, normalise(meaning).text.strip()))
    fuzzy = tuple(_normal_word(w) for w in _strings(data.get("fuzzy"), f"{where}.fuzzy"))
    return Language(
        code=code,
        name=str(data.get("name", code)),
        markers=markers,
        markers_needed=markers_needed,
        joinable=joinable,
        spelling=tuple(spelling),
        fuzzy=fuzzy,
        matcher=matcher,
        rules=rules,
        modifier_matcher=modifier_matcher,
        modifiers=tuple(modifiers),
        figures=figures,
        figure_entries=tuple(figure_entries),
        cues=CueIndex(
            Cues(
                clause_break=re.compile(clause_break),
                negation=re.compile(
                    r"(?<!\w)(?:" + negation + r")(?:\s(?:" + filler + r")){0,6}\s?$"
                ),
                negation_after=_optional(context, "negation_after", macros, where),
                past_before=_optional(context, "past_before", macros, where),
                past_after=_optional(context, "past_after", macros, where),
                present=_optional(context, "present", macros, where),
                recovery=_optional(context, "recovery", macros, where),
                relapse=_optional(context, "relapse", macros, where),
                resisting=_optional(context, "resisting", macros, where),
                subject=re.compile(_words("|".join(subject_parts))),
                general=(
                    re.compile(_loose_words(cues("general"))) if context.get("general") else _NEVER
                ),
                reflexive=re.compile(
                    _words(
                        f"(?P<self>{cues('reflexive_self')})|(?P<other>{cues('reflexive_other')})"
                    )
                ),
                fiction=_optional(context, "fiction", macros, where),
            )
        ),
    )


def languages() -> tuple[str, ...]:
    """The codes of the languages that have a data file, sorted."""
    return _languages()


@cache
def _languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LANGUAGES_DIR.glob("*.toml")))


def load_file(path: Path) -> Language:
    """Load and check one language file; ``RuleError`` names the file and the rule."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"{path.name}: not valid TOML: {error}") from error
    return parse(path.stem, data)


@cache
def load(code: str) -> Language:
    """The compiled language ``code`` (once per process)."""
    return load_file(LANGUAGES_DIR / f"{code}.toml")
