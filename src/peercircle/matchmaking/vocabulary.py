"""The fixed words for one-to-one matching: lived experience and circumstances
(tags), ways of meeting, weekly times, and the strengths of a preference.
Pure module (no Django import). See docs/matching.md, "In the platform".

Each tag has a label for forms ("A new dad") and the words the engine puts
in a reason ("both new dads").
"""

from __future__ import annotations

from peercircle.matching.records import DAY_NAMES, DAYS, PARTS, SLOTS

#: (code, label on forms, words in reasons), in the order forms show them.
TAGS: tuple[tuple[str, str, str], ...] = (
    ("new_dad", "A new dad", "new dads"),
    ("new_mum", "A new mum", "new mums"),
    ("bereavement", "Bereavement", "bereaved"),
    ("anxiety", "Anxiety", "living with anxiety"),
    ("low_mood", "Low mood or depression", "living with low mood"),
    ("psychosis", "Psychosis", "with experience of psychosis"),
    ("bipolar", "Bipolar disorder", "with experience of bipolar disorder"),
    ("carer", "Caring for someone", "carers"),
    ("addiction_recovery", "Recovery from drink or drugs", "in recovery from drink or drugs"),
    ("lgbtq", "LGBTQ+", "LGBTQ+"),
    ("veteran", "Armed forces veteran", "veterans"),
    ("student", "A student", "students"),
    ("redundancy", "Losing a job", "through losing a job"),
    ("long_term_condition", "A long-term health condition", "living with a long-term condition"),
)
TAG_CODES: tuple[str, ...] = tuple(code for code, _, _ in TAGS)
TAG_LABELS: dict[str, str] = {code: label for code, label, _ in TAGS}
#: What the engine says in reasons: ``match(..., vocabulary=TAG_WORDS)``.
TAG_WORDS: dict[str, str] = {code: words for code, _, words in TAGS}

FORMAT_LABELS: dict[str, str] = {
    "in_person": "In person",
    "online": "Online (video or text)",
    "phone": "By phone",
}
FORMAT_CODES: tuple[str, ...] = tuple(FORMAT_LABELS)

SLOT_CODES: tuple[str, ...] = SLOTS
SLOT_LABELS: dict[str, str] = {
    f"{day}-{part}": f"{DAY_NAMES[day]} {part}" for day in DAYS for part in PARTS
}

STRENGTHS: dict[str, str] = {"nice": "I'd prefer it", "must": "It must be so"}

OBJECTIVE_LABELS: dict[str, str] = {
    "best_total": "Best fits",
    "most_matched": "As many people as possible",
}
OBJECTIVE_HELP: dict[str, str] = {
    "best_total": (
        "Keeps the best fits. Someone may be left waiting when the only supporters who could "
        "take them are already busy, or would fit someone else much better."
    ),
    "most_matched": (
        "Matches as many people as it can, then the best fits among those ways. Someone may "
        "get a weaker fit, or a supporter a heavier load, so that one more person is matched."
    ),
}


def volunteer_slot(value: str) -> str:
    """A volunteer's availability ("tue_evening") as a weekly slot ("tue-evening")."""
    return value.replace("_", "-", 1)


#: Languages by their two-letter code (ISO 639-1): the English name first, then
#: other ways people write it (its own name). Group languages are stored as codes.
LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("english",),
    "cy": ("welsh", "cymraeg"),
    "pl": ("polish", "polski"),
    "ur": ("urdu",),
    "pa": ("punjabi", "panjabi"),
    "ar": ("arabic",),
    "bn": ("bengali", "bangla"),
    "ro": ("romanian", "română", "romana"),
    "es": ("spanish", "español", "espanol", "castellano"),
    "fr": ("french", "français", "francais"),
    "so": ("somali", "soomaali"),
    "gu": ("gujarati",),
    "pt": ("portuguese", "português", "portugues"),
    "da": ("danish", "dansk"),
}
#: Any way of writing a known language (its code too), compared casefolded, to its code.
LANGUAGE_CODES: dict[str, str] = {
    name: code for code, names in LANGUAGES.items() for name in (*names, code)
}


def language_key(value: str) -> str:
    """What two people's languages are compared by: a known language by its English
    name however it was written ("Cymraeg", "cy" and "Welsh " are all "welsh"), any
    other without case or extra spaces ("Tigrinya " = "tigrinya")."""
    key = _folded(value)
    code = LANGUAGE_CODES.get(key)
    return key if code is None else LANGUAGES[code][0]


def language_code(value: str) -> str | None:
    """The code a known language is stored with on groups ("Cymraeg" -> "cy"); None for
    a language not in ``LANGUAGES``."""
    return LANGUAGE_CODES.get(_folded(value))


def _folded(value: str) -> str:
    return " ".join(value.split()).casefold()
