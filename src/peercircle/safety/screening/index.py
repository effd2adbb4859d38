"""Find which of many regex alternatives match a text, trying at each word only
the alternatives that can start with its first characters.

One regex made of hundreds of alternatives is slow in Python's ``re``: at every
word it tries every alternative. ``PatternIndex`` works out, from each
alternative's parse tree, the prefixes (up to ``PREFIX`` characters) it can start
with, compiles every alternative on its own once, when the language is loaded,
and at each word of the text tries only the alternatives whose prefixes fit, in
order, until one matches. The result is the same as searching with the whole
alternation from every start position: at each start position the first
alternative in the given order that matches there.

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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

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


_KEYS_KEPT = 50_000  # the candidates of this many prefixes are kept; then forgotten


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


def _shortest_known(pattern: str) -> frozenset[str] | None:
    """The prefixes of the longest length up to PREFIX that can be told (a
    pattern that starts with digits has too many four-character prefixes, but
    its one-character ones are known)."""
    items = list(_parser.parse(pattern))  # parsed once for every length
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


class PatternIndex:
    """Alternatives (each a regex body and the number of its entry), in the order
    they are to be tried, with word boundaries added around each."""

    def __init__(self, alternatives: Iterable[tuple[int, str]], *, before: str, after: str):
        self._alternatives = [
            (entry, body, _shortest_known(before + body)) for entry, body in alternatives
        ]
        self._before = before
        self._after = after
        # Each alternative compiled once, with its word boundaries: (pattern, entry).
        self._compiled = [
            (re.compile(before + "(?:" + body + ")" + after), entry)
            for entry, body, _ in self._alternatives
        ]
        # Which alternatives (by position) can start with each prefix; "" for
        # those whose prefixes cannot be told (tried everywhere).
        by_prefix: dict[str, list[int]] = {}
        for position, (_, _, found) in enumerate(self._alternatives):
            for prefix in found if found is not None else ("",):
                by_prefix.setdefault(prefix, []).append(position)
        self._by_prefix = {prefix: tuple(items) for prefix, items in by_prefix.items()}
        # Near the end of a text the key is shorter than PREFIX, and a prefix that
        # runs on from it fits too: which alternatives have a prefix beginning
        # with each string of fewer than PREFIX characters.
        extended: dict[str, set[int]] = {}
        for prefix, items in by_prefix.items():
            for size in range(1, min(len(prefix), PREFIX - 1) + 1):
                extended.setdefault(prefix[:size], set()).update(items)
        self._extended = {key: frozenset(items) for key, items in extended.items()}
        self._by_key: dict[str, tuple[tuple[re.Pattern[str], int], ...]] = {}
        self._reference_by_key: dict[str, tuple[re.Pattern[str], tuple[int, ...]] | None] = {}

    def __len__(self) -> int:
        return len(self._alternatives)

    def bodies(self) -> list[str]:
        """Every alternative, as given."""
        return [body for _, body, _ in self._alternatives]

    def everywhere(self) -> list[str]:
        """The alternatives tried at every word (no prefix could be told)."""
        return [body for _, body, found in self._alternatives if found is None]

    def _fits(self, key: str) -> list[int]:
        """The positions of the alternatives that can start where the text does
        with ``key`` (its next PREFIX characters, fewer at the end of the text):
        those with a prefix that begins the key, or, for a short key, that the
        key begins."""
        by_prefix = self._by_prefix
        chosen: set[int] = set()
        for size in range(len(key) + 1):
            chosen.update(by_prefix.get(key[:size], ()))
        if len(key) < PREFIX:
            chosen.update(self._extended.get(key, ()))
        return sorted(chosen)

    def _fits_slowly(self, key: str) -> list[int]:
        """What ``_fits`` gives, worked out from every alternative: for the tests."""
        return [
            position
            for position, (_, _, found) in enumerate(self._alternatives)
            if found is None or any(key.startswith(p) or p.startswith(key) for p in found)
        ]

    def _candidates(self, key: str) -> tuple[tuple[re.Pattern[str], int], ...]:
        compiled = self._compiled
        candidates = tuple(compiled[position] for position in self._fits(key))
        if len(self._by_key) >= _KEYS_KEPT:
            self._by_key.clear()
        self._by_key[key] = candidates
        return candidates

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """``(entry, start, end)`` for each start position where an alternative
        matches: the first one in order."""
        if _reference:
            return self.reference_matches(text)
        by_key = self._by_key
        found_all: list[tuple[int, int, int]] = []
        for start_match in _STARTS.finditer(text):
            start = start_match.start()
            key = text[start : start + PREFIX]
            candidates = by_key.get(key)
            if candidates is None:
                candidates = self._candidates(key)
            for pattern, entry in candidates:
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
        """Drop what was kept for prefixes met so far (both ways), as a new
        process starts."""
        self._by_key.clear()
        self._reference_by_key.clear()
