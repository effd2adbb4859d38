"""Find which of many regex alternatives match a text, trying only the
alternatives that can start where they are tried and whose certain parts the
text holds.

One regex made of hundreds of alternatives is slow in Python's ``re``: at every
word it tries every alternative. ``PatternIndex`` works out two things from each
alternative's parse tree, once, when the language is loaded:

- its *prefixes*: the strings (up to ``PREFIX`` characters) a match can start
  with;
- its *anchor*: a few literal strings at least one of which every match holds
  ("overdose", "kil myself", "💊"), where one strong enough can be told.

Every alternative is compiled on its own, and one Aho-Corasick automaton
(``pyahocorasick``) holds every prefix and anchor. Screening a text is then one
pass of the automaton over it, which tells which anchors it holds and where each
prefix starts; an alternative is tried, in order, only at the word starts where
one of its prefixes begins and only when the text holds its anchor. The result is
the same as searching with the whole alternation from every start position: at
each start position the first alternative in the given order that matches there.

Nothing is compiled while messages are screened: an earlier version compiled a
regex of the fitting alternatives for every new six-character prefix it met,
which cost tens of milliseconds for each word not seen before. That way is kept
as ``reference_matches`` (and ``reference()`` makes ``matches`` use it), for the
benchmark's same-run baseline and the tests' equivalence checks.

Patterns are matched only from the start of a word or from a character that is
neither a letter, a digit nor a space (an emoji, a sign), never from a space.

See docs/screening.md ("How it works").
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ahocorasick  # type: ignore[import-not-found]

# The regex parser of the standard library, for the prefixes of a pattern. It is
# an internal module, so it is reached by name and treated as untyped.
_parser: Any = importlib.import_module("re._parser")

PREFIX = 6  # characters of prefix used as the key
_LIMIT = 4000  # more prefixes than this and the alternative is tried everywhere
_RANGE_LIMIT = 64
_SPACES = frozenset(" \n")
_DIGITS = frozenset("0123456789")
_STARTS = re.compile(r"(?<!\w)\w|[^\w\s]")
_UNKNOWN: Any = object()

_Expansion = set[tuple[str, bool]]


def prefixes(pattern: str, length: int = PREFIX) -> frozenset[str] | None:
    """The strings of up to ``length`` characters a match of ``pattern`` can start
    with (shorter where the whole match can be shorter), or ``None`` where that
    cannot be told or is too many."""
    return _prefixes(list(_parser.parse(pattern)), length)


def _prefixes(items: list[Any], length: int) -> frozenset[str] | None:
    expanded = _sequence(items, length)
    if expanded is None:
        return None
    return frozenset(text for text, _ in expanded)


def _shortest_known(items: list[Any]) -> frozenset[str] | None:
    """The prefixes of the longest length up to PREFIX that can be told (a
    pattern that starts with digits has too many four-character prefixes, but
    its one-character ones are known), from the pattern's parsed items."""
    for length in range(PREFIX, 0, -1):
        found = _prefixes(items, length)
        if found is not None:
            return found
    return None


_reference = False


@contextmanager
def reference() -> Iterator[None]:
    """Within this block every ``PatternIndex.matches`` takes the reference way
    (``reference_matches``): for the benchmark's baseline and the tests."""
    global _reference
    before = _reference
    _reference = True
    try:
        yield
    finally:
        _reference = before


def _sequence(items: list[Any], length: int) -> _Expansion | None:
    """What a sequence of parsed items can produce, cut at ``length``; each string
    says whether it is the whole of the sequence (True) or was cut (False)."""
    results: _Expansion = {("", True)}
    for item in items:
        new: _Expansion = set()
        for text, complete in results:
            if not complete or len(text) >= length:
                new.add((text, False))
                continue
            produced = _item(item, length - len(text))
            if produced is None:
                if not text:
                    return None
                # Nothing more can be told: what is known so far is the prefix.
                new.add((text, False))
                continue
            for more, done in produced:
                joined = text + more
                new.add((joined[:length], done and len(joined) <= length))
        results = new
        if len(results) > _LIMIT:
            return None
    return results


def _item(item: tuple[Any, Any], length: int) -> _Expansion | None:
    op, av = item
    name = str(op)
    if name == "LITERAL":
        return {(chr(av), True)}
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return {("", True)}
    if name == "IN":
        chars = _charset(av)
        return None if chars is None else {(c, True) for c in chars}
    if name == "CATEGORY":
        chars = _category(av)
        return None if chars is None else {(c, True) for c in chars}
    if name == "SUBPATTERN":
        return _sequence(list(av[-1]), length)
    if name == "ATOMIC_GROUP":
        return _sequence(list(av), length)
    if name == "BRANCH":
        union: _Expansion = set()
        for alternative in av[1]:
            produced = _sequence(list(alternative), length)
            if produced is None:
                return None
            union |= produced
        return union
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = av
        union = set()
        # Each repeat that produces anything adds a character, so repeats past
        # low + length add no new prefix.
        for count in range(low, min(high, low + length) + 1):
            produced = _sequence(list(body) * count, length)
            if produced is None:
                return None
            union |= produced
        return union
    return None  # ANY, NOT_LITERAL, GROUPREF, ...


def _charset(items: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE":
            low, high = av
            if high - low > _RANGE_LIMIT:
                return None
            chars.update(chr(c) for c in range(low, high + 1))
        elif name == "CATEGORY":
            more = _category(av)
            if more is None:
                return None
            chars |= more
        else:  # NEGATE and the rest
            return None
    return chars


def _category(code: Any) -> set[str] | None:
    name = str(code)
    if name == "CATEGORY_SPACE":
        return set(_SPACES)  # normalised text has no other whitespace
    if name == "CATEGORY_DIGIT":
        return set(_DIGITS)
    return None


# --- Anchors: literal strings a match cannot do without ----------------------

_EXACT_LIMIT = 64  # strings in the set of what a part of a pattern can produce
_SMALL_CLASS = 6  # characters in a class still spelled out, like [i1] or [a-e]
_WEAK = 2  # a group whose weakest string is weaker than this filters nothing
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def anchors(items: list[Any]) -> frozenset[str] | None:
    """Strings, from a pattern's parsed items, at least one of which every text
    the pattern matches holds (spaces written " "): the strongest such group
    found, or None where none is stronger than ``_WEAK``.

    A group comes from a run of the pattern that can produce only a few strings
    (``_exact``), or from a part every match must pass through (``_needed``).
    A group is as strong as its weakest string (``_strength``), so "kil" or
    "💊" is preferred to "he" or "s ".
    """
    best = _strongest(items)
    return best if best is not None and _score(best)[0] >= _WEAK else None


def _strength(string: str) -> int:
    # A space tells little; a sign or an emoji more than a letter.
    return sum(0 if c == " " else 1 if c.isalnum() else 3 for c in string)


def _score(group: Collection[str]) -> tuple[int, int]:
    return min(map(_strength, group)), -len(group)


def _strongest(items: list[Any]) -> frozenset[str] | None:
    """The strongest group of a sequence of parsed items (the first of equals),
    or None where it has none."""
    found: list[frozenset[str]] = []
    _runs(items, found)
    best = None
    for group in found:
        if best is None or _score(group) > _score(best):
            best = group
    return best


def _cross(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > _EXACT_LIMIT:
        return None
    return {a + b for a in left for b in right}


def _runs(items: list[Any], found: list[frozenset[str]]) -> None:
    """Add to ``found`` a group for each maximal run of items that produce few
    strings, and the groups of the other items every match passes through."""
    if len(items) == 1 and str(items[0][0]) == "SUBPATTERN":
        _runs(list(items[0][1][-1]), found)
        return

    def close(run: set[str] | None) -> None:
        if run and "" not in run:
            found.append(frozenset(run))

    run: set[str] = {""}
    for item in items:
        exact = _exact(item)
        if exact is not None:
            joined = _cross(run, exact)
            if joined is not None:
                run = joined
                continue
            close(run)
            run = exact
            continue
        close(run)
        close(_needed(item))
        op, av = item
        if str(op) in _REPEATS and av[0] >= 1:
            # A repeat of at least one ends with its body: a run goes on from it.
            body = _exact_sequence(list(av[2]))
            if body is not None:
                run = body
                continue
        run = {""}
    close(run)


def _needed(item: tuple[Any, Any]) -> set[str] | None:
    """A set of strings one of which every match of ``item`` holds, or None."""
    op, av = item
    name = str(op)
    if name == "BRANCH":
        union: set[str] = set()
        for alternative in av[1]:
            best = _strongest(list(alternative))
            if best is None:
                return None
            union |= best
        return union
    if name == "SUBPATTERN":
        body = av[-1]
    elif name == "ATOMIC_GROUP":
        body = av
    elif name in _REPEATS and av[0] >= 1:
        body = av[2]
    else:
        return None
    best = _strongest(list(body))
    return set(best) if best is not None else None


def _exact_sequence(items: list[Any]) -> set[str] | None:
    run = {""}
    for item in items:
        exact = _exact(item)
        joined = _cross(run, exact) if exact is not None else None
        if joined is None:
            return None
        run = joined
    return run


def _exact(item: tuple[Any, Any]) -> set[str] | None:
    """Every string ``item`` can produce (spaces as " "), when they are few."""
    op, av = item
    name = str(op)
    if name == "LITERAL":
        return {chr(av)}
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return {""}
    if name == "IN":
        chars = _charset(av)
        if chars is None or len(chars) > _SMALL_CLASS:
            return None
        return {" " if c in _SPACES else c for c in chars}
    if name == "CATEGORY":
        return {" "} if str(av) == "CATEGORY_SPACE" else None
    if name == "SUBPATTERN":
        return _exact_sequence(list(av[-1]))
    if name == "ATOMIC_GROUP":
        return _exact_sequence(list(av))
    if name == "BRANCH":
        union: set[str] = set()
        for alternative in av[1]:
            produced = _exact_sequence(list(alternative))
            if produced is None:
                return None
            union |= produced
            if len(union) > _EXACT_LIMIT:
                return None
        return union
    if name in _REPEATS:
        low, high, body = av
        if high > 3:
            return None
        once = _exact_sequence(list(body))
        if once is None:
            return None
        union = set()
        current = {""}
        for count in range(high + 1):
            if count >= low:
                union |= current
            if count < high:
                longer = _cross(current, once)
                if longer is None or len(union) > _EXACT_LIMIT:
                    return None
                current = longer
        return union
    return None  # ANY, NOT_LITERAL, CATEGORY_WORD, GROUPREF, ...


# A scoped or global "ignore case" flag makes a pattern match letters its
# literals do not spell: such a pattern is never ruled out by its anchor.
_CASELESS = re.compile(r"\(\?[aiLmsux]*i[aiLmsux-]*[:)]")


class Gate:
    """Which of some patterns a text can match at all, in one pass over it.

    Every match of a pattern holds one of its anchor strings (``anchors``; a
    lookaround is never counted as part of one), and a search of part of the
    text matches only inside that part, so a text that holds none of a
    pattern's anchors cannot match it anywhere, in any part. ``possible`` gives
    one bit per pattern, in the order given: set where the text holds an anchor
    of it, or where it has none that can be told (or is ``None``).
    """

    def __init__(self, patterns: Sequence[re.Pattern[str] | None]) -> None:
        self._always = 0
        needed_by: dict[str, int] = {}
        for bit, pattern in enumerate(patterns):
            group = None
            if pattern is not None and not (
                pattern.flags & re.IGNORECASE or _CASELESS.search(pattern.pattern)
            ):
                group = anchors(list(_parser.parse(pattern.pattern)))
            if group is None:
                self._always |= 1 << bit
                continue
            for string in group:
                needed_by[string] = needed_by.get(string, 0) | 1 << bit
        self._automaton: Any = None
        if needed_by:
            automaton = ahocorasick.Automaton()
            for string, bits in needed_by.items():
                automaton.add_word(string, bits)
            automaton.make_automaton()
            self._automaton = automaton

    def possible(self, text: str) -> int:
        """One bit per pattern: set where ``text`` may match it."""
        bits = self._always
        if self._automaton is not None:
            scanned = text.replace("\n", " ") if "\n" in text else text
            for _, more in self._automaton.iter(scanned):
                bits |= more
        return bits


class PatternIndex:
    """Alternatives (each a regex body and the number of its entry), in the order
    they are to be tried, with word boundaries added around each."""

    def __init__(self, alternatives: Iterable[tuple[int, str]], *, before: str, after: str):
        before_items = list(_parser.parse(before))
        parsed = [(entry, body, list(_parser.parse(body))) for entry, body in alternatives]
        self._alternatives = [
            (entry, body, _shortest_known(before_items + items)) for entry, body, items in parsed
        ]
        self._before = before
        self._after = after
        # Each alternative compiled once, with its word boundaries: (pattern, entry).
        self._compiled = [
            (re.compile(before + "(?:" + body + ")" + after), entry)
            for entry, body, _ in self._alternatives
        ]
        # One automaton finds, in one pass over a text, both where each
        # alternative can start (its prefixes, "leads") and which of the
        # literal strings it cannot match without ("anchors") occur at all.
        # Spaces are searched as " " (the text's newlines too).
        leads: dict[str, list[int]] = {}
        anchor_ids: dict[str, int] = {}
        self._everywhere: tuple[int, ...] = tuple(
            position for position, (_, _, found) in enumerate(self._alternatives) if found is None
        )
        self._anchors: list[frozenset[str] | None] = []
        users: dict[int, list[int]] = {}
        for position, (_, _, found) in enumerate(self._alternatives):
            for prefix in {p.replace("\n", " ") for p in found or ()}:
                leads.setdefault(prefix, []).append(position)
            group = anchors(parsed[position][2])
            self._anchors.append(group)
            for string in group or ():
                anchor_ids.setdefault(string, len(anchor_ids))
                users.setdefault(anchor_ids[string], []).append(position)
        # Who needs each anchor: the alternatives a text can still match once
        # that anchor is found in it; and those that need none.
        self._users = {anchor: tuple(positions) for anchor, positions in users.items()}
        self._free = frozenset(
            position for position, group in enumerate(self._anchors) if group is None
        )
        self._automaton: Any = None
        if leads or anchor_ids:
            # Each string found gives its length, the alternatives it is a
            # prefix of, and its number as an anchor (-1 when it is none).
            automaton = ahocorasick.Automaton()
            for string in leads.keys() | anchor_ids.keys():
                automaton.add_word(
                    string,
                    (len(string), tuple(leads.get(string, ())), anchor_ids.get(string, -1)),
                )
            automaton.make_automaton()
            self._automaton = automaton
        self._reference_by_key: dict[str, tuple[re.Pattern[str], tuple[int, ...]] | None] = {}

    def __len__(self) -> int:
        return len(self._alternatives)

    def bodies(self) -> list[str]:
        """Every alternative, as given."""
        return [body for _, body, _ in self._alternatives]

    def everywhere(self) -> list[str]:
        """The alternatives tried at every word (no prefix could be told)."""
        return [body for _, body, found in self._alternatives if found is None]

    def anchor_strings(self, position: int) -> frozenset[str] | None:
        """The strings one of which every match of the alternative at
        ``position`` holds (spaces as " "), or None where it needs none."""
        return self._anchors[position]

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """``(entry, start, end)`` for each start position where an alternative
        matches: the first one in order."""
        if _reference:
            return self.reference_matches(text)
        automaton = self._automaton
        if automaton is None:
            return []
        scanned = text.replace("\n", " ") if "\n" in text else text
        present: set[int] = set()
        leads: list[tuple[int, tuple[int, ...]]] = []
        for end, (size, positions, anchor) in automaton.iter(scanned):
            if anchor >= 0:
                present.add(anchor)
            if positions:
                leads.append((end - size + 1, positions))
        if not leads and not self._everywhere:
            return []
        # The alternatives the text holds an anchor of, or that need none.
        users = self._users
        active = set(self._free)
        for anchor in present:
            active.update(users[anchor])
        if not active:
            return []
        if self._everywhere:
            leads.extend((m.start(), self._everywhere) for m in _STARTS.finditer(text))
        by_start: dict[int, set[int]] = {}
        at_start = _STARTS.match
        for start, positions in leads:
            chosen = active.intersection(positions)
            if chosen and at_start(text, start):
                if start in by_start:
                    by_start[start] |= chosen
                else:
                    by_start[start] = chosen
        compiled = self._compiled
        found_all: list[tuple[int, int, int]] = []
        for start in sorted(by_start):
            for position in sorted(by_start[start]):
                pattern, entry = compiled[position]
                m = pattern.match(text, start)
                if m is not None:
                    found_all.append((entry, start, m.end()))
                    break
        return found_all

    def every_matches(self, text: str) -> list[tuple[int, int, int]]:
        """What ``matches`` gives, found by trying every alternative at every start
        position, prefixes ignored: slow, for the tests."""
        found_all: list[tuple[int, int, int]] = []
        for start_match in _STARTS.finditer(text):
            start = start_match.start()
            for pattern, entry in self._compiled:
                m = pattern.match(text, start)
                if m is not None:
                    found_all.append((entry, start, m.end()))
                    break
        return found_all

    def _reference_for(self, key: str) -> tuple[re.Pattern[str], tuple[int, ...]] | None:
        chosen = [
            (entry, body)
            for entry, body, found in self._alternatives
            if found is None or any(key.startswith(p) or p.startswith(key) for p in found)
        ]
        compiled = None
        if chosen:
            # One group for each run of alternatives of the same entry: fewer
            # groups to mark, the same first match.
            groups: list[tuple[int, list[str]]] = []
            for entry, body in chosen:
                if groups and groups[-1][0] == entry:
                    groups[-1][1].append(body)
                else:
                    groups.append((entry, [body]))
            pattern = re.compile(
                self._before
                + "(?:"
                + "|".join("((?:" + "|".join(bodies) + "))" for _, bodies in groups)
                + ")"
                + self._after
            )
            compiled = (pattern, tuple(entry for entry, _ in groups))
        self._reference_by_key[key] = compiled
        return compiled

    def reference_matches(self, text: str) -> list[tuple[int, int, int]]:
        """The earlier way, the reference: at each start position one regex of
        the alternatives that fit its prefix, compiled the first time that prefix
        is met and kept."""
        by_key = self._reference_by_key
        missing = self._reference_for
        found_all: list[tuple[int, int, int]] = []
        for start_match in _STARTS.finditer(text):
            start = start_match.start()
            key = text[start : start + PREFIX]
            found = by_key.get(key, _UNKNOWN)
            if found is _UNKNOWN:
                found = missing(key)
            if found is None:
                continue
            m = found[0].match(text, start)
            if m is not None:
                found_all.append((found[1][m.lastindex - 1], start, m.end()))
        return found_all

    def forget(self) -> None:
        """Drop the regexes the reference way compiled for the prefixes it met,
        as a new process starts."""
        self._reference_by_key.clear()
