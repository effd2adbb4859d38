#!/usr/bin/env python
"""Risk screening: how well and how fast ``peercircle.safety.screen`` does, beside a
naive keyword baseline measured in the same run.

A benchmark, not a test: it prints figures and exits 0 whether the aims are met or
not (1 only when a message set cannot be read).

Figures come from the held-out evaluation set (data/screening/evaluation.jsonl),
reported in the order data/screening/README.md asks: recall on high and imminent
messages (a message counts as caught when it is screened high or imminent), per
category (caught with that category) and per kind; then false alarms on none and
low messages (screened moderate or above), hard negatives separately; then
recall per language; then speed. The baseline is a plain lowercase substring
match on a short list of risk words: any word found means "high", with the
categories of the words found.

Speed is measured in this process pinned to one core (where the platform allows):
every message of the set screened in turn, after a warm-up pass, best of
``--repeat`` passes for throughput; latency per message over all passes (p50,
p99, max). Lower-level figures would need a quiet machine: the output says the
load average so a busy one can be recognised.

    .venv/bin/python bench/screening.py
    .venv/bin/python bench/screening.py --set development --repeat 5
    .venv/bin/python bench/screening.py --set data/screening/development_more.jsonl

See docs/screening.md ("Figures").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from peercircle.safety import CATEGORIES, LEVELS, screen
from peercircle.safety.screening import rules as screening_rules
from peercircle.safety.screening.index import reference

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
SETS = {
    "evaluation": DATA / "evaluation.jsonl",
    "development": DATA / "development.jsonl",
    "development_more": DATA / "development_more.jsonl",
    "new_writers": DATA / "new_writers.jsonl",
}
RANK = {level: index for index, level in enumerate(LEVELS)}
SERIOUS = RANK["high"]
ALARM = RANK["moderate"]

# The naive baseline: risk words and their categories, matched as lowercase
# substrings (English, Welsh and Danish).
BASELINE_WORDS: dict[str, str] = {
    "suicid": "suicide",
    "kill myself": "suicide",
    "end it": "suicide",
    "want to die": "suicide",
    "overdose": "suicide",
    "goodbye": "suicide",
    "pills": "suicide",
    "tablets": "suicide",
    "bridge": "suicide",
    "self harm": "self_harm",
    "self-harm": "self_harm",
    "cut myself": "self_harm",
    "cutting": "self_harm",
    "hurt myself": "self_harm",
    "kill him": "harm_to_others",
    "kill her": "harm_to_others",
    "stab": "harm_to_others",
    "knife": "harm_to_others",
    "hits me": "abuse",
    "hit me": "abuse",
    "abuse": "abuse",
    "scared of him": "abuse",
    "not breathing": "medical_emergency",
    "collapsed": "medical_emergency",
    "unconscious": "medical_emergency",
    "chest pain": "medical_emergency",
    "bleeding": "medical_emergency",
    "seizure": "medical_emergency",
    "lladd fy hun": "suicide",
    "marw": "suicide",
    "tabledi": "suicide",
    "anadlu": "medical_emergency",
    "selvmord": "suicide",
    "ihjel": "suicide",
    "dø": "suicide",
    "piller": "suicide",
    "skære": "self_harm",
    "slår mig": "abuse",
    "vejret": "medical_emergency",
}


@dataclass(frozen=True)
class Verdict:
    level: str
    categories: frozenset[str]


def engine(text: str, language: str) -> Verdict:
    result = screen(text, language)
    return Verdict(result.level, result.categories)


def earlier(text: str, language: str) -> Verdict:
    """The engine with the earlier pattern matching (a regex compiled for each new
    prefix met): the same results, the speed before compiling once at load."""
    with reference():
        result = screen(text, language)
    return Verdict(result.level, result.categories)


def forget() -> None:
    """Drop what the pattern indexes kept for prefixes met, as in a new process."""
    for code in screening_rules.languages():
        language = screening_rules.load(code)
        for index in (language.matcher, language.modifier_matcher, language.figures):
            if index is not None:
                index.forget()


def baseline(text: str, language: str) -> Verdict:
    lowered = text.lower()
    found = frozenset(category for word, category in BASELINE_WORDS.items() if word in lowered)
    return Verdict("high" if found else "none", found)


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ratio(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "-"


def figures(items: list[dict], screener: Callable[[str, str], Verdict]) -> dict:
    verdicts = [screener(item["text"], item["language"]) for item in items]
    pairs = list(zip(items, verdicts, strict=True))
    serious = [(i, v) for i, v in pairs if RANK[i["level"]] >= SERIOUS]
    quiet = [(i, v) for i, v in pairs if RANK[i["level"]] < ALARM]

    def caught(group: Iterable[tuple[dict, Verdict]]) -> tuple[int, int]:
        group = list(group)
        return sum(RANK[v.level] >= SERIOUS for _, v in group), len(group)

    def alarmed(group: Iterable[tuple[dict, Verdict]]) -> tuple[int, int]:
        group = list(group)
        return sum(RANK[v.level] >= ALARM for _, v in group), len(group)

    out: dict = {"recall": caught(serious), "false_alarms": alarmed(quiet)}
    out["recall_by_category"] = {
        category: (
            sum(
                RANK[v.level] >= SERIOUS and category in v.categories
                for i, v in serious
                if category in i["categories"]
            ),
            sum(category in i["categories"] for i, _ in serious),
        )
        for category in CATEGORIES
    }
    kinds = sorted({i["kind"] for i, _ in serious})
    out["recall_by_kind"] = {k: caught((i, v) for i, v in serious if i["kind"] == k) for k in kinds}
    out["false_alarms_by_kind"] = {
        k: alarmed((i, v) for i, v in quiet if i["kind"] == k)
        for k in sorted({i["kind"] for i, _ in quiet})
    }
    out["false_alarms_on_none"] = alarmed((i, v) for i, v in quiet if i["level"] == "none")
    languages = sorted({i["language"] for i, _ in pairs})
    out["recall_by_language"] = {
        code: caught((i, v) for i, v in serious if i["language"] == code) for code in languages
    }
    out["moderate_screened_as"] = dict(
        Counter(v.level for i, v in pairs if i["level"] == "moderate").most_common()
    )
    return out


def speed(items: list[dict], screener: Callable[[str, str], Verdict], repeat: int) -> dict:
    messages = [(item["text"], item["language"]) for item in items]
    forget()
    # The first pass, as a new process meets these messages (language files are
    # already loaded), is timed on its own; then the passes with what it kept.
    first: list[float] = []
    clock = time.perf_counter
    for text, language in messages:
        before = clock()
        screener(text, language)
        first.append(clock() - before)
    first.sort()
    best = float("inf")
    latencies: list[float] = []
    for _ in range(repeat):
        started = clock()
        for text, language in messages:
            before = clock()
            screener(text, language)
            latencies.append(clock() - before)
        best = min(best, clock() - started)
    latencies.sort()
    return {
        "per_s": len(messages) / best,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
        "first_per_s": len(messages) / sum(first),
        "first_p50_ms": statistics.median(first) * 1000,
        "first_p99_ms": first[min(len(first) - 1, int(len(first) * 0.99))] * 1000,
    }


def one_core() -> str:
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[-1]})
        return f"pinned to core {cores[-1]}"
    return "not pinned (no sched_setaffinity here)"


def show(name: str, mine: dict, base: dict) -> None:
    print(f"  {name:<34} {mine:<22} {base}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set", default="evaluation", help="evaluation, development, ... or a path"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the set")
    args = parser.parse_args()

    path = SETS.get(args.set, Path(args.set))
    try:
        items = load(path)
    except (OSError, json.JSONDecodeError) as error:
        print(f"cannot read {path}: {error}")
        return 1

    pinned = one_core()
    mine = figures(items, engine)
    base = figures(items, baseline)
    print(f"set: {path.name}, {len(items)} messages; engine beside keyword baseline")
    print(f"  {'':<34} {'engine':<22} baseline")
    show("recall, high and imminent", ratio(*mine["recall"]), ratio(*base["recall"]))
    for category in CATEGORIES:
        show(
            f"  {category}",
            ratio(*mine["recall_by_category"][category]),
            ratio(*base["recall_by_category"][category]),
        )
    for kind in mine["recall_by_kind"]:
        show(
            f"  kind {kind}",
            ratio(*mine["recall_by_kind"][kind]),
            ratio(*base["recall_by_kind"][kind]),
        )
    show("false alarms, none and low", ratio(*mine["false_alarms"]), ratio(*base["false_alarms"]))
    show("  on none", ratio(*mine["false_alarms_on_none"]), ratio(*base["false_alarms_on_none"]))
    for kind in mine["false_alarms_by_kind"]:
        show(
            f"  kind {kind}",
            ratio(*mine["false_alarms_by_kind"][kind]),
            ratio(*base["false_alarms_by_kind"][kind]),
        )
    for code in mine["recall_by_language"]:
        show(
            f"recall, {code}",
            ratio(*mine["recall_by_language"][code]),
            ratio(*base["recall_by_language"][code]),
        )
    print(f"  moderate messages screened as: {mine['moderate_screened_as']}")

    screen("", "en")  # load every language file before timing
    for code in screening_rules.languages():
        screening_rules.load(code)
    fast = speed(items, engine, args.repeat)
    old = speed(items, earlier, args.repeat)
    slow = speed(items, baseline, args.repeat)
    same = figures(items, earlier) == mine
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"speed ({pinned}, best of {args.repeat} passes, load average {load_average:.2f}):")
    print(f"  {'':<34} {'engine':<22} {'earlier matching':<22} baseline")
    row = "  {:<34} {:<22} {:<22} {}"
    print(row.format("messages per second", *(f"{f['per_s']:,.0f}" for f in (fast, old, slow))))
    print(row.format("latency p50 / p99 / max, ms", _lat(fast), _lat(old), _lat(slow)))
    print(
        row.format(
            "first pass, messages per second",
            *(f"{f['first_per_s']:,.0f}" for f in (fast, old, slow)),
        )
    )
    print(
        row.format(
            "first pass latency p50 / p99, ms",
            *(f"{f['first_p50_ms']:.3f} / {f['first_p99_ms']:.3f}" for f in (fast, old, slow)),
        )
    )
    print(
        f"  engine / earlier matching: {fast['per_s'] / old['per_s']:.2f}x after warm-up, "
        f"{fast['first_per_s'] / old['first_per_s']:.1f}x on the first pass; "
        f"same results: {'yes' if same else 'NO'}"
    )

    def aim(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    recall = mine["recall"][0] / mine["recall"][1]
    alarms = mine["false_alarms"][0] / mine["false_alarms"][1]
    print("aims:")
    print(f"  recall on high and imminent >= 0.95: {aim(recall >= 0.95)}")
    print(f"  false alarms on none and low <= 0.05: {aim(alarms <= 0.05)}")
    for code in ("cy", "da"):
        if code in mine["recall_by_language"]:
            hits, total = mine["recall_by_language"][code]
            print(f"  recall {code} >= 0.90: {aim(hits / total >= 0.90)}")
    print(f"  >= 5,000 messages per second on one core: {aim(fast['per_s'] >= 5000)}")
    print(f"  p99 < 2 ms: {aim(fast['p99_ms'] < 2)}")
    print(f"  p99 < 2 ms on the first pass: {aim(fast['first_p99_ms'] < 2)}")

    results_dir = Path(__file__).with_name("results")
    results_dir.mkdir(exist_ok=True)
    (results_dir / "screening.json").write_text(
        json.dumps(
            {
                "set": path.name,
                "messages": len(items),
                "engine": {**mine, **fast},
                "earlier_matching": old,
                "earlier_matching_same_results": same,
                "baseline": {**base, **slow},
                "pinned": pinned,
                "load_average": load_average,
            },
            indent=2,
        )
    )
    return 0


def _lat(figures: dict) -> str:
    return f"{figures['p50_ms']:.3f} / {figures['p99_ms']:.3f} / {figures['max_ms']:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
