"""Text normalisation for risk screening, with a map back to the original text.

Rules are matched against a normalised form of the message, so that "I'M
SUICIDAL", "im suicidal", "I’m s u i c i d a l" and "i'm su1c1dal" all read the
same; every character of the normalised form remembers the index of the original
character it came from, so evidence points at what the person actually wrote.

The steps, in order (each is linear in the length of the text):

1. fold: casefold; strip accents (é → e, ŵ → w, â → a) except the Danish letters
   æ, ø and å, which stay letters of their own; map look-alike letters from other
   scripts (Cyrillic а, е, о, ...) to Latin; curly apostrophes to ``'``; every run
   of whitespace to one space (or one newline, if the run held a line break);
   delete zero-width and other invisible characters.
2. delete apostrophes ("i'm" → "im", "don't" → "dont"), but an apostrophe
   before a lone n, r or w becomes a space (Welsh "dw i'n" → "dw i n", "i'r"
   → "i r").
3. leetspeak inside words: 1→i, 3→e, 4→a, 0→o, @→a, $→s, !→i, 5→s, 7→t
   ("su1c1de", "k!ll", "d1e"), but not in numbers, times, ordinals or amounts
   ("30", "4am", "1st", "100mg") and not a "!" that ends a word.
4. join letters spaced or dotted out, one separator all along ("s u i c i d e",
   "k.m.s", "l-l-a-d-d"); then a hyphen between letters becomes a space
   ("self-harm" → "self harm").
5. collapse repeated letters ("diiieee" → "die", "kill" → "kil"), but keep a
   double e or o ("soon" is not "son", "see" is not "se"). Rule patterns get
   the same treatment when they are loaded, so rule authors write words as they
   are spelled.
6. respell words from the language files' spelling tables: text-speak
   ("wen" → "when", "cnt" → "cant", "killin" → "killing") and, for the listed
   words, one pair of letters swapped or one inner letter missing ("mysefl",
   "suicdie", "unconcious").
7. fill in masked letters of the language files' listed words ("k*ll",
   "s#icide"; one sign for one letter).
8. join the language files' listed word stems when split in two ("sui cidal").

See docs/screening.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Danish letters that are letters in their own right; NFKD would turn å into a + ring.
KEEP = frozenset("æøå")

# Letters from other scripts that look like Latin ones and are used to slip
# words past filters.
CONFUSABLES = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ο": "o",
    "α": "a",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "τ": "t",
    "υ": "u",
    "ł": "l",
    "ß": "ss",
}

APOSTROPHES = frozenset("'\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032\uff07")
DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")

LEET = str.maketrans("1340@$!57", "ieaoasist")

_FOLD_CACHE: dict[str, str] = {}
_FOLD_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Normalised:
    """The normalised text and, for each of its characters, the original index."""

    text: str
    offsets: list[int]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced ``text[start:end]``.

        It runs to the original character of ``text[end]``, so letters collapsed
        away ("diiieee") and invisible characters inside the match are part of it.
        """
        offsets = self.offsets
        size = len(self.original)
        first = offsets[start] if start < len(offsets) else size
        if end <= start:
            return first, first
        last = offsets[end - 1] + 1
        return first, max(last, offsets[end]) if end < len(offsets) else size


def fold_char(ch: str) -> str:
    """What one character becomes in step 1 (whitespace aside)."""
    cached = _FOLD_CACHE.get(ch)
    if cached is not None:
        return cached
    folded = _fold_char(ch)
    if len(_FOLD_CACHE) < _FOLD_CACHE_LIMIT:
        _FOLD_CACHE[ch] = folded
    return folded


def _fold_char(ch: str) -> str:
    if ch in APOSTROPHES:
        return "'"
    if ch in DASHES:
        return "-"
    if ch.isspace():
        return "\n" if ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else " "
    out = []
    for c in ch.casefold():
        if c in KEEP:
            out.append(c)
            continue
        c = CONFUSABLES.get(c, c)
        for d in unicodedata.normalize("NFKD", c):
            category = unicodedata.category(d)
            if category in ("Mn", "Me", "Cf"):
                continue
            if category == "Cc" or category == "Cs":
                out.append(" ")
            elif d in KEEP or d.isascii():
                out.append(d)
            else:
                out.append(CONFUSABLES.get(d, d))
    return "".join(out)


def fold(text: str) -> tuple[str, list[int]]:
    """Step 1: the folded text and the original index of each of its characters."""
    if text.isascii():
        folded = text.lower()
        offsets = list(range(len(text)))
    else:
        parts: list[str] = []
        offsets = []
        for index, ch in enumerate(text):
            if ch.isascii():
                parts.append(ch.lower())
                offsets.append(index)
                continue
            folded_ch = fold_char(ch)
            parts.append(folded_ch)
            offsets.extend([index] * len(folded_ch))
        folded = "".join(parts)
    # Runs of whitespace become one space, or one newline where the run held a
    # line break (a line break ends a clause).
    edits: list[tuple[int, int, str]] = []
    for m in _WHITESPACE.finditer(folded):
        run = m.group()
        if run == " ":
            continue
        edits.append((m.start(), m.end(), "\n" if "\n" in run or "\r" in run else " "))
    if edits:
        folded, offsets = _replace(folded, offsets, edits)
    return folded, offsets


_WHITESPACE = re.compile(r"\s+")


def _replace(
    text: str, offsets: list[int], edits: Iterable[tuple[int, int, str]]
) -> tuple[str, list[int]]:
    """Replace each ``text[a:b]`` by a string of at most ``b - a`` characters.

    Edits are sorted and do not overlap. A replacement's characters take the
    original indexes of the first characters they replace.
    """
    parts: list[str] = []
    new_offsets: list[int] = []
    at = 0
    for start, end, replacement in edits:
        parts.append(text[at:start])
        new_offsets.extend(offsets[at:start])
        parts.append(replacement)
        new_offsets.extend(offsets[start : start + len(replacement)])
        at = end
    parts.append(text[at:])
    new_offsets.extend(offsets[at:])
    return "".join(parts), new_offsets


# A token that may hold leetspeak: letters, digits and the symbols used for letters.
_LEET_TOKEN = re.compile(r"[^\W_]*[@$!][\w@$!]*|[^\W_]*\d[^\W_]*")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Numbers with units, times and ordinals keep their digits.
_NUMBER_WORD = re.compile(
    r"\d+(?:am|pm|s|mg|ml|g|kg|k|x|h|hrs?|mins?|yo|yrs?|ish|m|d|w|th|mins?|secs?|lb|lbs|p|st)"
    r"|\d*1st|\d*2nd|\d*3rd|\d+(?:[.,:]\d+)*"
)
_DIGIT_RUN = re.compile(r"\d{2,}")


def unleet(text: str) -> str:
    """Step 3, one character for one, so offsets do not change."""
    if not _MAYBE_LEET.search(text):
        return text
    edits: list[tuple[int, int, str]] = []
    for m in _LEET_TOKEN.finditer(text):
        token = m.group()
        if not _HAS_LETTER.search(token) or _NUMBER_WORD.fullmatch(token):
            continue
        stripped = token.rstrip("!")
        lead = len(stripped) - len(stripped.lstrip("!"))
        core = stripped[lead:]
        if not core:
            continue
        mapped = core.translate(LEET)
        # A run of two or more digits is a number, not letters ("covid19").
        if _DIGIT_RUN.search(core):
            chars = list(mapped)
            for run in _DIGIT_RUN.finditer(core):
                chars[run.start() : run.end()] = core[run.start() : run.end()]
            mapped = "".join(chars)
        if mapped != core:
            start = m.start() + lead
            edits.append((start, start + len(core), mapped))
    if not edits:
        return text
    parts: list[str] = []
    at = 0
    for start, end, replacement in edits:
        parts.append(text[at:start])
        parts.append(replacement)
        at = end
    parts.append(text[at:])
    return "".join(parts)


# Cheap test: a leet character touching a letter.
_MAYBE_LEET = re.compile(r"[^\W\d_][013457@$!]|[013457@$][^\W\d_]")

# Three or more single letters separated by one or two spaces, dots, hyphens,
# underscores or asterisks, the same all along: "s u i c i d e", "k.m.s",
# "l-l-a-d-d" (with dots, hyphens, underscores or asterisks a Welsh double letter
# may stand as one: "ll.y.n.c.u"). A one-letter word beside letters joined by
# marks stays a word ("i'w l-l-a-d-d o").
_LETTER = r"[^\W\d_]"
_UNIT = r"(?:ll|dd|ch|ff|ng|rh|th|ph|" + _LETTER + ")"
_SPACED_MARKS = re.compile(
    rf"(?<!\w){_UNIT}(?P<sep>[ ]?[.\-_*][ ]?){_UNIT}(?!\w)(?:(?P=sep){_UNIT}(?!\w))+"
)
_NOT_MARKED_AFTER = rf"(?!\w)(?![.\-_*]{_LETTER})"
_SPACED_SPACES = re.compile(
    rf"(?<!\w)(?<!{_LETTER}[.\-_*]){_LETTER}(?P<sep>[ ]{{1,2}}){_LETTER}{_NOT_MARKED_AFTER}"
    rf"(?:(?P=sep){_LETTER}{_NOT_MARKED_AFTER})+"
)
_SEPARATOR = re.compile(r"[ .\-_*]+")
# A letter repeated: every run of three or more ("diiieee", "sooo"), and a double
# letter except "ee" and "oo", which tell words apart ("soon" and "son", "see"
# and "se", "good" and "god").
_RUN = re.compile(r"([^\W\d_])\1{2,}|([^\W\d_eo])\2")


def _deletions(
    text: str, offsets: list[int], spans: list[tuple[int, int]]
) -> tuple[str, list[int]]:
    return _replace(text, offsets, ((a, b, "") for a, b in spans))


def normalise(
    text: str,
    joinable: re.Pattern[str] | None = None,
    masked: dict[int, tuple[str, ...]] | None = None,
    spelling: dict[str, str] | None = None,
) -> Normalised:
    """All the steps. ``spelling`` maps normalised words to what they stand for
    (step 6, made by ``spelling_table``); ``masked`` holds the words that may be
    masked (step 7), by length, made by ``masked_words``; ``joinable`` finds stems
    split in two (step 8), made by ``joinable_pattern``."""
    folded, offsets = fold(text)
    if "'" in folded:
        # Welsh joins "yn", "y(r)" and "ei" to the word before ("lleisiau'n",
        # "i'r", "i'w"): those stay words of their own.
        folded = _JOINED_WORD.sub(" ", folded)
        folded, offsets = _deletions(
            folded, offsets, [(m.start(), m.end()) for m in _APOSTROPHE.finditer(folded)]
        )
    folded = unleet(folded)
    spans = sorted(
        (s.start(), s.end())
        for spaced in (_SPACED_MARKS, _SPACED_SPACES)
        for m in spaced.finditer(folded)
        for s in _SEPARATOR.finditer(folded, m.start(), m.end())
    )
    if spans:
        folded, offsets = _deletions(folded, offsets, spans)
    if "-" in folded:
        folded = _HYPHEN.sub(" ", folded)
    folded, offsets = _collapse(folded, offsets)
    if spelling:
        edits = [
            (m.start(), m.end(), spelling[m.group()])
            for m in _TOKEN.finditer(folded)
            if m.group() in spelling
        ]
        if edits:
            folded, offsets = _substitute(folded, offsets, edits)
    if masked and ("*" in folded or "#" in folded):
        folded = unmask(folded, masked)
    if joinable is not None:
        spans = []
        for m in joinable.finditer(folded):
            sep = _SEPARATOR.search(folded, m.start(), m.end())
            if sep is not None:
                spans.append((sep.start(), sep.end()))
        if spans:
            folded, offsets = _deletions(folded, offsets, spans)
            folded, offsets = _collapse(folded, offsets)
    return Normalised(folded, offsets, text)


_APOSTROPHE = re.compile(r"'+")
_JOINED_WORD = re.compile(r"(?<=[^\W\d_])'(?=[nrw](?![^\W\d_]))")
_TOKEN = re.compile(r"[^\W_]+")


def _substitute(
    text: str, offsets: list[int], edits: Iterable[tuple[int, int, str]]
) -> tuple[str, list[int]]:
    """Replace each ``text[a:b]`` by a string of any length. Edits are sorted and
    do not overlap. Characters beyond the replaced ones take the original index of
    the last character replaced, so a span in the result maps back to whole words."""
    parts: list[str] = []
    new_offsets: list[int] = []
    at = 0
    for start, end, replacement in edits:
        parts.append(text[at:start])
        new_offsets.extend(offsets[at:start])
        parts.append(replacement)
        kept = offsets[start : start + min(len(replacement), end - start)]
        new_offsets.extend(kept)
        new_offsets.extend([offsets[end - 1]] * (len(replacement) - len(kept)))
        at = end
    parts.append(text[at:])
    new_offsets.extend(offsets[at:])
    return "".join(parts), new_offsets


def spelling_table(respell: Iterable[tuple[str, str]], fuzzy: Iterable[str]) -> dict[str, str]:
    """One table for step 6 from normalised (word, meaning) pairs and normalised
    words to forgive one slip in: two neighbouring letters swapped (words of four
    letters or more) or one inner letter left out (seven or more). A slip that is
    itself a listed word or meaning is left alone."""
    table = dict(respell)
    known = set(table) | set(table.values())
    words = list(dict.fromkeys(fuzzy))
    known |= set(words)
    for word in words:
        variants = set()
        if len(word) >= 4:
            for i in range(len(word) - 1):
                if word[i] != word[i + 1]:
                    variants.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
        if len(word) >= 7:
            for i in range(1, len(word) - 1):
                variants.add(word[:i] + word[i + 1 :])
        for variant in variants:
            if variant not in known and collapse(variant) == variant:
                table.setdefault(variant, word)
    return table


_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
# A word with letters hidden behind * or #: "k*ll", "s*ic*de", "#ill".
_MASKED = re.compile(r"(?<![\w*#])[^\W\d_]*[*#][^\W\d_*#]*(?:[*#][^\W\d_*#]*)*")


def masked_words(words: Iterable[str]) -> dict[int, tuple[str, ...]]:
    """The words that may be masked, by length, in the order given."""
    by_length: dict[int, list[str]] = {}
    for word in words:
        if word not in by_length.setdefault(len(word), []):
            by_length[len(word)].append(word)
    return {length: tuple(group) for length, group in by_length.items()}


def unmask(text: str, masked: dict[int, tuple[str, ...]]) -> str:
    """Step 6, one character for one: a masked word becomes the first listed word
    it fits, where each sign stands for one letter and at least two letters show."""
    parts: list[str] = []
    at = 0
    for m in _MASKED.finditer(text):
        token = m.group()
        shown = sum(ch not in "*#" for ch in token)
        if shown < 2 or shown == len(token):
            continue
        for word in masked.get(len(token), ()):
            if all(t in "*#" or t == w for t, w in zip(token, word, strict=True)):
                parts.append(text[at : m.start()])
                parts.append(word)
                at = m.end()
                break
    if not parts:
        return text
    parts.append(text[at:])
    return "".join(parts)


def _collapse(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    spans = [(m.start() + 1, m.end()) for m in _RUN.finditer(text)]
    if spans:
        return _deletions(text, offsets, spans)
    return text, offsets


def collapse(word: str) -> str:
    """Step 6 on its own (for rule patterns and word lists)."""
    return _RUN.sub(lambda m: m.group()[0], word)


def joinable_pattern(stems: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern that finds any of ``stems`` split once by spaces, dots or hyphens,
    ending where a word ends: "sui cidal" is joined, but "han går" (Danish "he goes")
    is not read as "hang" followed by "år".

    Stems are given normalised (``collapse(fold(...))``), at least four letters.
    """
    alternatives = []
    for stem in sorted(set(stems)):
        for cut in range(1, len(stem)):
            alternatives.append(re.escape(stem[:cut]) + r"[ .\-_*]{1,2}" + re.escape(stem[cut:]))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
