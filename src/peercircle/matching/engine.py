"""One-to-one matching of participants with peer supporters. Pure module (no Django import).

``match`` takes participants and supporters (``records.py``) and returns the
assignment with the highest total score under the hard constraints, solved
exactly as a min-cost flow with OR-Tools; ``fit`` scores one pair. The rules,
the two objectives and the optimality check are in docs/matching.md.

How it stays fast and exact on tens of thousands of people:

1. Records become numpy arrays: languages, tags and genders as bitsets, the 21
   weekly slots as a 32-bit mask, formats as 3 bits.
2. Candidates. Participants are grouped by (languages, remote formats); each
   group is scored against only the supporters that share a language and an
   online or phone format, in blocks, and each participant keeps its ``top_k``
   best (each supporter its best few too). In-person pairs come from a grid of
   cells as wide as the maximum distance, so only neighbours are measured.
   The passes over every pair are compiled loops (``kernels.py``).
3. Min-cost flow: participant -> supporter (cost -score), supporter -> sink
   through one arc per free place (cost rising with each extra person: the
   load cost is convex, so the cheap places fill first), participant -> sink
   (left unmatched). "most_matched" adds a constant to every pair that is
   larger than any difference in score, so more pairs always win.
4. Optimality check. The candidates are a bound: a pair left out could belong
   to the optimum. Shortest distances in the residual graph give prices for
   supporters and participants; a left-out pair can improve the result only
   if its score beats those prices. Every participant whose left-out pairs
   might (a cheap bound first, then an exact scan) has them checked, the ones
   that would improve are added, and the flow is solved again, until none
   would. The answer is then the optimum over every compatible pair. After
   the first round the solver is given only the candidates near improving
   the flow; the others are checked every round like any left-out pair.
"""

from __future__ import annotations

import math
import numbers
import os
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import TypeVar

import numpy as np
import numpy.typing as npt

# OR-Tools ships .pyi stubs without a py.typed marker.
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow  # type: ignore[import-untyped]

from peercircle.matching import kernels
from peercircle.matching.records import (
    DAY_NAMES,
    FORMATS,
    OBJECTIVES,
    SLOTS,
    Fit,
    Format,
    Id,
    Objective,
    Pair,
    Participant,
    Result,
    Supporter,
    Unmatched,
    UnmatchedCode,
    Weights,
)

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.signedinteger]
_T = TypeVar("_T")

SCALE = 100  # points per unit of score: weights count to two decimal places
EARTH_RADIUS_M = 6_371_008.8
INF = 1 << 61
IN_PERSON, ONLINE, PHONE = 1, 2, 4
REMOTE = ONLINE | PHONE
_FORMAT_BIT = {"in_person": 0, "online": 1, "phone": 2}  # IN_PERSON, ONLINE, PHONE
_SLOT_BIT = {slot: i for i, slot in enumerate(SLOTS)}
_MAX_ROUNDS = 50

DEFAULT_MAX_DISTANCE_KM = 15.0
# Each participant's candidates before the check: with later rounds mended, a
# smaller first graph costs less than the extra round it brings (10,000 x 2,000:
# about 15% quicker than 16; 50,000 x 10,000 the same; docs/matching.md).
DEFAULT_TOP_K = 8
# Mending a flow (``_reoptimise``) instead of solving afresh: only where at most
# the larger of these share of participants have a new pair (the second round
# gives a quarter to a half of them one and is solved afresh: mending it took
# three times as long at 50,000 x 10,000), and while its searches do no more work
# than this many times the graph's arcs and nodes (on the bench programmes it won
# where it needed up to about 15 times, broke even near 20 and lost at 50).
_MEND_FEW = 64
_MEND_SHARE = 20
_MEND_WORK = 16


# --- points -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Points:
    """The weights in whole points (``SCALE`` per unit), so the solver's sums are exact."""

    fit: int
    tag: int
    slot: int
    slot_cap: int
    nearness: int
    nice: int
    load: int

    @classmethod
    def of(cls, w: Weights) -> _Points:
        def p(x: float) -> int:
            return round(x * SCALE)

        return cls(
            p(w.fit), p(w.shared_tag), p(w.shared_slot), int(w.slot_cap), p(w.nearness),
            p(w.nice_preference), p(w.load),
        )  # fmt: skip

    def slot_points(self, shared: int) -> int:
        return self.fit + self.slot * min(shared, self.slot_cap)


def _points_to_score(points: int | np.integer) -> float:
    return int(points) / SCALE


# --- encoding -----------------------------------------------------------------------------


def _bitsets(
    rows: Sequence[Collection[str]] | Mapping[int, Collection[str]],
    index: Mapping[str, int],
    words: int,
    n: int | None = None,
) -> U64:
    """One bitset per row: rows as a sequence of collections, or as {row: collection} for
    the rows that have any of the n rows in all."""
    out = np.zeros((len(rows) if n is None else n, words), dtype=np.uint64)
    if isinstance(rows, Mapping):
        which = np.fromiter(rows.keys(), np.int64, len(rows))
        items = list(rows.values())
    else:
        which = np.arange(len(rows), dtype=np.int64)
        items = list(rows)
    counts = np.fromiter(map(len, items), np.int64, len(items))
    total = int(counts.sum())
    if total:
        bits = np.fromiter(map(index.__getitem__, chain.from_iterable(items)), np.int64, total)
        np.bitwise_or.at(
            out,
            (np.repeat(which, counts), bits // 64),
            np.left_shift(np.uint64(1), (bits % 64).astype(np.uint64)),
        )
    return out


def _masks(rows: Sequence[frozenset[str]], bit: Mapping[str, int]) -> U64:
    """Each row's items as a bit mask (``bit``: an item's bit position)."""
    counts = np.fromiter(map(len, rows), np.int64, len(rows))
    bits = np.fromiter(
        map(bit.__getitem__, chain.from_iterable(rows)), np.uint64, int(counts.sum())
    )
    out = np.zeros(len(rows), dtype=np.uint64)
    np.add.at(out, np.repeat(np.arange(len(rows)), counts), np.uint64(1) << bits)  # bits differ
    return out


def _slot_masks(rows: Sequence[frozenset[str]]) -> npt.NDArray[np.uint32]:
    return _masks(rows, _SLOT_BIT).astype(np.uint32)


def _formats(rows: Sequence[frozenset[str]]) -> npt.NDArray[np.uint8]:
    return _masks(rows, _FORMAT_BIT).astype(np.uint8)


def _locations(rows: Sequence[tuple[float, float] | None]) -> npt.NDArray[np.float64]:
    out = np.full((len(rows), 2), np.nan)
    for i, loc in enumerate(rows):
        if loc is not None:
            out[i] = loc
    return out


def _words(n: int) -> int:
    return max(1, (n + 63) // 64)


class _Encoded:
    """Participants and supporters as numpy arrays (row i = the i-th record given)."""

    def __init__(
        self, participants: Sequence[Participant], supporters: Sequence[Supporter]
    ) -> None:
        self.P, self.S = len(participants), len(supporters)
        records: list[Participant | Supporter] = [*participants, *supporters]
        languages = sorted({x for r in records for x in r.languages})
        tags = sorted(
            {x for r in records for x in r.tags}
            | {f.value for p in participants for f in p.preferences if f.kind == "tag"}
        )
        genders = sorted(
            {s.gender for s in supporters if s.gender is not None}
            | {f.value for p in participants for f in p.preferences if f.kind == "gender"}
        )
        lang_index = {x: i for i, x in enumerate(languages)}
        tag_index = {x: i for i, x in enumerate(tags)}
        gender_index = {x: i for i, x in enumerate(genders)}
        self.WL, self.WT, self.WG = _words(len(languages)), _words(len(tags)), _words(len(genders))

        self.p_lang = _bitsets([p.languages for p in participants], lang_index, self.WL)
        self.s_lang = _bitsets([s.languages for s in supporters], lang_index, self.WL)
        self.p_fmt = _formats([p.formats for p in participants])
        self.s_fmt = _formats([s.formats for s in supporters])
        self.p_slots = _slot_masks([p.slots for p in participants])
        self.s_slots = _slot_masks([s.slots for s in supporters])
        self.p_tags = _bitsets([p.tags for p in participants], tag_index, self.WT)
        self.s_tags = _bitsets([s.tags for s in supporters], tag_index, self.WT)
        self.p_loc = _locations([p.location for p in participants])
        self.s_loc = _locations([s.location for s in supporters])
        self.p_xyz = _unit(self.p_loc)
        self.s_xyz = _unit(self.s_loc)
        self.s_gender = _bitsets(
            [() if s.gender is None else (s.gender,) for s in supporters], gender_index, self.WG
        )
        self.s_places = np.fromiter((s.places for s in supporters), np.int64, count=self.S)
        self.s_caseload = np.fromiter((s.caseload for s in supporters), np.int64, count=self.S)

        # Most participants have no preferences: one pass sorts out those who do,
        # by kind and strength, {row: values}.
        sorted_prefs: dict[tuple[str, str], dict[int, list[str]]] = {
            (kind, strength): {} for kind in ("tag", "gender") for strength in ("must", "nice")
        }
        for i, p in enumerate(participants):
            for f in p.preferences:
                sorted_prefs[f.kind, f.strength].setdefault(i, []).append(f.value)

        def prefs(kind: str, strength: str) -> dict[int, list[str]]:
            return sorted_prefs[kind, strength]

        self.p_must_tags = _bitsets(prefs("tag", "must"), tag_index, self.WT, self.P)
        self.p_nice_tags = _bitsets(prefs("tag", "nice"), tag_index, self.WT, self.P)
        self.p_nice_gender = _bitsets(prefs("gender", "nice"), gender_index, self.WG, self.P)
        # A must about gender holds when the supporter's gender is that one; two
        # different musts can never both hold (-2).
        self.p_must_gender = np.full(self.P, -1, dtype=np.int64)
        for i, values in prefs("gender", "must").items():
            distinct = set(values)
            if len(distinct) == 1:
                self.p_must_gender[i] = gender_index[distinct.pop()]
            elif distinct:
                self.p_must_gender[i] = -2
        self.s_gender_code = np.full(self.S, -1, dtype=np.int64)
        for j, s in enumerate(supporters):
            if s.gender is not None:
                self.s_gender_code[j] = gender_index[s.gender]
        self.p_prefs = np.fromiter((bool(p.preferences) for p in participants), bool, self.P)
        self.max_tags = max((len(p.tags) for p in participants), default=0)
        self.max_nice = max(
            (sum(f.strength == "nice" for f in p.preferences) for p in participants), default=0
        )

        # Exclusions from either side, as sorted keys p * S + s.
        p_row = {p.id: i for i, p in enumerate(participants)}
        s_row = {s.id: j for j, s in enumerate(supporters)}
        keys = {
            i * self.S + s_row[x] for i, p in enumerate(participants) for x in p.exclusions
            if x in s_row
        } | {
            p_row[x] * self.S + j for j, s in enumerate(supporters) for x in s.exclusions
            if x in p_row
        }  # fmt: skip
        self.excl = np.array(sorted(keys), dtype=np.int64)

    def excluded(self, p: I64, s: I64) -> Bool:
        if not self.excl.size:
            return np.zeros(np.broadcast(p, s).shape, dtype=bool)
        key = p * self.S + s
        pos = np.minimum(np.searchsorted(self.excl, key), self.excl.size - 1)
        found: Bool = self.excl[pos] == key
        return found

    def shares_language(self, p: I64, s: I64) -> Bool:
        ok = (self.p_lang[p, 0] & self.s_lang[s, 0]) != 0
        for w in range(1, self.WL):
            ok |= (self.p_lang[p, w] & self.s_lang[s, w]) != 0
        result: Bool = ok
        return result


# --- scoring ------------------------------------------------------------------------------

NEG = -1  # the points of a pair that breaks a hard constraint


class _Model:
    """Scores pairs through a small table, so that blocks of pairs cost a few byte-wide passes.

    Apart from distance, a pair's score depends only on the number of slots
    (ns), tags (nt) and nice preferences (nn) it shares, so each pair gets a
    code ns + 22 * (nt + (tm + 1) * nn), and tables give its points and its
    rank (1 = the lowest score any compatible pair can have; 0 = it breaks a
    constraint: no shared slot, or a must preference unmet).
    """

    def __init__(self, enc: _Encoded, pts: _Points) -> None:
        self.enc, self.pts = enc, pts
        self.tm = enc.max_tags if pts.tag else 0
        self.nm = enc.max_nice if pts.nice else 0
        size = 22 * (self.tm + 1) * (self.nm + 1)
        code = np.arange(size, dtype=np.int64)
        ns, nt, nn = code % 22, (code // 22) % (self.tm + 1), code // (22 * (self.tm + 1))
        points = pts.fit + pts.slot * np.minimum(ns, pts.slot_cap) + pts.tag * nt + pts.nice * nn
        points[ns == 0] = NEG
        self.points_by_code: I64 = points
        distinct = np.unique(points[points >= 0])
        self.points_by_rank: I64 = np.concatenate([[NEG], distinct]).astype(np.int64)
        rank = np.zeros(size, dtype=np.int64)
        rank[points >= 0] = np.searchsorted(distinct, points[points >= 0]) + 1
        self.code_dtype: type[np.unsignedinteger] = np.uint16 if size < (1 << 16) else np.uint32
        self.rank_dtype: type[np.unsignedinteger] = (
            np.uint8 if distinct.size < 255 else np.uint16 if distinct.size < 65535 else np.uint32
        )
        self.rank_by_code = rank.astype(self.rank_dtype)

    def codes(self, p: Ints, s: Ints, *, prefs: bool = True) -> npt.NDArray[np.unsignedinteger]:
        """Codes of pairs given as broadcastable index arrays: (n,) and (n,), or (r, 1), (1, c)."""
        enc, cd = self.enc, self.code_dtype
        code = np.bitwise_count(enc.p_slots[p] & enc.s_slots[s]).astype(cd)
        if self.tm:
            shared = np.bitwise_count(enc.p_tags[p, 0] & enc.s_tags[s, 0]).astype(cd)
            for w in range(1, enc.WT):
                shared += np.bitwise_count(enc.p_tags[p, w] & enc.s_tags[s, w])
            shared *= cd(22)
            code += shared
        if prefs:
            ok = (enc.p_must_gender[p] == -1) | (enc.p_must_gender[p] == enc.s_gender_code[s])
            for w in range(enc.WT):
                must = enc.p_must_tags[p, w]
                ok &= (must & enc.s_tags[s, w]) == must
            if self.nm:
                nice = np.zeros(ok.shape, dtype=cd)
                for w in range(enc.WT):
                    nice += np.bitwise_count(enc.p_nice_tags[p, w] & enc.s_tags[s, w])
                for w in range(enc.WG):
                    nice += np.bitwise_count(enc.p_nice_gender[p, w] & enc.s_gender[s, w])
                nice *= cd(22 * (self.tm + 1))
                code += nice
            code *= ok
        result: npt.NDArray[np.unsignedinteger] = code
        return result

    def ranks(self, rows: I64, cols: I64, prefs: bool) -> tuple[npt.NDArray[np.integer], I64, I64]:
        """The ranks of every pair of rows by (sorted) cols, excluded pairs 0, in one
        compiled pass (``kernels.rank_block``), and how many of each rank each row
        and each column holds (by_row[i, rank], by_col[rank, j]). ``prefs``: whether
        any of the rows has preferences."""
        enc = self.enc
        rank = np.empty((rows.size, cols.size), dtype=self.rank_dtype)
        levels = self.points_by_rank.size
        by_row = np.zeros((rows.size, levels), dtype=np.int64)
        by_col = np.zeros((levels, cols.size), dtype=np.int64)
        kernels.rank_block(
            rows, cols, enc.p_slots, enc.p_tags, enc.p_must_gender, enc.p_must_tags,
            enc.p_nice_tags, enc.p_nice_gender, enc.s_slots[cols].astype(np.uint64),
            enc.s_tags[cols], enc.s_gender_code[cols], enc.s_gender[cols],
            22 if self.tm else 0, 22 * (self.tm + 1) if self.nm else 0, prefs,
            self.rank_by_code, enc.excl, enc.S, rank, by_row, by_col,
        )  # fmt: skip
        return rank, by_row, by_col

    def points(self, p: I64, s: I64) -> I64:
        """Points of given pairs apart from format and distance; NEG if they cannot be paired
        (no shared language or slot, a must preference unmet, excluded, no free places)."""
        enc = self.enc
        out = self.points_by_code[self.codes(p, s)]
        bad = ~enc.shares_language(p, s) | enc.excluded(p, s) | (enc.s_places[s] <= 0)
        result: I64 = np.where(bad, NEG, out)
        return result

    def nearness(self, metres: I64, max_m: int) -> I64:
        out: I64 = (self.pts.nearness * (max_m - metres)) // max_m
        return out


def _unit(loc: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Points on the unit sphere (NaN where there is no location)."""
    lat, lon = np.radians(loc[:, 0]), np.radians(loc[:, 1])
    out: npt.NDArray[np.float64] = np.stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1
    )
    return out


def _chord(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Straight-line distance between points on the unit sphere, broadcasting like ``a - b``."""
    d = a[..., 0] - b[..., 0]
    total = d * d
    for i in (1, 2):
        d = a[..., i] - b[..., i]
        total += d * d
    out: npt.NDArray[np.float64] = np.sqrt(total)
    return out


def _metres(chord: npt.NDArray[np.float64]) -> I64:
    """Great-circle distance in whole metres: one formula for every path, so they agree."""
    out: I64 = np.rint(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2))).astype(np.int64)
    return out


# --- candidates ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Arcs:
    """Candidate pairs, sorted by participant then supporter, unique."""

    p: I64
    s: I64
    score: I64  # points
    metres: I64  # in person: distance; -1: online or by phone

    def take(self, mask: Bool) -> _Arcs:
        return _Arcs(self.p[mask], self.s[mask], self.score[mask], self.metres[mask])

    @classmethod
    def empty(cls) -> _Arcs:
        e = np.zeros(0, dtype=np.int64)
        return cls(e, e.copy(), e.copy(), e.copy())

    def keys(self, S: int) -> I64:
        out: I64 = self.p * S + self.s
        return out

    @classmethod
    def union(cls, parts: Sequence[_Arcs], S: int) -> _Arcs:
        """All of them; where a pair comes more than once, its highest score (meeting in
        person scores at least as much as the same pair online, so that version stays)."""
        every = _concat(parts)
        if not every.p.size:
            return cls.empty()
        p, s, score, metres = every.p, every.s, every.score, every.metres
        key = p * S + s
        # Entries that tie on all three are the same pair, same score, same way
        # of meeting: any order of them will do.
        order = _order(key, score, metres >= 0)
        key = key[order]
        keep = order[np.r_[True, key[1:] != key[:-1]]]
        return cls(p[keep], s[keep], score[keep], metres[keep])

    def merged(self, other: _Arcs, S: int) -> _Arcs:
        """``union([self, other])`` where both are already sorted and unique (as union
        leaves them), by one merge instead of a sort: the rounds add a few pairs to
        a graph of many."""
        if not other.p.size:
            return self
        mine, theirs = self.keys(S), other.keys(S)
        at = np.searchsorted(mine, theirs)
        both = at < mine.size
        both[both] = mine[at[both]] == theirs[both]
        # Where a pair is in both, union's choice: the higher score, then in person.
        a, b = at[both], np.flatnonzero(both)
        better = (other.score[b] > self.score[a]) | (
            (other.score[b] == self.score[a]) & (other.metres[b] >= 0) & (self.metres[a] < 0)
        )
        a, b = a[better], b[better]
        new, where = np.flatnonzero(~both), at[~both]
        parts = []
        for old, add in ((self.p, other.p), (self.s, other.s), (self.score, other.score),
                         (self.metres, other.metres)):  # fmt: skip
            kept = old.copy()
            kept[a] = add[b]
            parts.append(np.insert(kept, where, add[new]))
        return _Arcs(*parts)


def _concat(parts: Sequence[_Arcs]) -> _Arcs:
    """The parts one after another (not sorted; nothing taken out)."""
    if not parts:
        return _Arcs.empty()
    return _Arcs(
        np.concatenate([a.p for a in parts]),
        np.concatenate([a.s for a in parts]),
        np.concatenate([a.score for a in parts]),
        np.concatenate([a.metres for a in parts]),
    )


def _order(key: I64, score: I64, first: Bool) -> I64:
    """Positions sorted by key, then score (highest first), then ``first`` before the rest;
    entries that tie on all three in any order (an unstable sort, several times faster).

    One 64-bit composite sort where the numbers fit (always, short of extreme
    weights), three sorts otherwise.
    """
    top = int(score.max(initial=0)) - int(score.min(initial=0)) + 1
    key_bits = int(key.max(initial=0)).bit_length()
    if key_bits + top.bit_length() + 1 <= 62:
        low = int(score.max(initial=0)) - score
        composite = (key << (top.bit_length() + 1)) | (low << 1) | (~first).astype(np.int64)
        out: I64 = np.argsort(composite, kind="quicksort")
        return out
    return np.lexsort((~first, -score, key))


@dataclass(slots=True)
class _Block:
    """A block of pairs scored once and kept for the optimality check.

    Remote blocks hold ranks (0: not compatible); in-person blocks hold points
    with nearness (NEG: not compatible).
    """

    rows: I64
    cols: I64
    values: npt.NDArray[np.integer]
    in_person: bool


@dataclass(slots=True)
class _Pool:
    """What candidate generation hands on: the arcs, the blocks, and per participant the
    highest score among its compatible pairs that were left out (-1: none was)."""

    arcs: _Arcs
    blocks: list[_Block]
    theta: I64


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


_pool_lock = threading.Lock()
_workers_pool: ThreadPoolExecutor | None = None


def _workers() -> ThreadPoolExecutor:
    """The threads the passes over blocks share, started once per process: starting
    them for every pass cost more than some passes (a round's check takes about
    20 ms at 10,000 x 2,000). A forked child starts its own (``_forget_workers``)."""
    global _workers_pool
    with _pool_lock:
        if _workers_pool is None:
            _workers_pool = ThreadPoolExecutor(_threads(), thread_name_prefix="matching")
        return _workers_pool


def _forget_workers() -> None:
    """In a forked child, which has none of its parent's threads: no pool, and a new
    lock (the parent's may have been held by a thread the child does not have)."""
    global _pool_lock, _workers_pool
    _pool_lock = threading.Lock()
    _workers_pool = None


if hasattr(os, "register_at_fork"):  # where processes can fork
    os.register_at_fork(after_in_child=_forget_workers)


def _jitter(rows: I64, width: int) -> tuple[npt.NDArray[np.uint8], I64]:
    """A tie-breaker in 0..63 per entry, different from row to row: entry (i, j) of a
    block of ``rows`` by ``width`` gets ``table[offsets[i] + j]``.

    Scores tie often; without it every participant would keep the same tied
    supporters and the first solution would crowd them.
    """
    table = np.random.default_rng(width).integers(0, 64, width + 4096).astype(np.uint8)
    offsets = (rows.astype(np.uint64) * np.uint64(2654435761) >> np.uint64(7)) % np.uint64(4096)
    return table, offsets.astype(np.int64)


@dataclass(slots=True)
class _Group:
    """Participants who share languages and remote formats, and the supporters they could meet."""

    rows: I64
    cols: I64


def _groups(enc: _Encoded) -> list[_Group]:
    remote = (enc.p_fmt & REMOTE).astype(np.uint64)
    wanted = (remote != 0) & (enc.p_lang != 0).any(axis=1)
    idx = np.flatnonzero(wanted)
    if not idx.size or not enc.S:
        return []
    key = np.concatenate([enc.p_lang[idx], remote[idx, None]], axis=1)
    classes, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(classes.shape[0] + 1))
    open_ = enc.s_places > 0
    groups = []
    for c in range(classes.shape[0]):
        lang, fmt = classes[c, :-1], classes[c, -1]
        ok = open_ & ((enc.s_fmt.astype(np.uint64) & fmt) != 0)
        ok &= (enc.s_lang & lang[None, :]).any(axis=1)
        cols = np.flatnonzero(ok)
        if cols.size:
            rows = idx[order[bounds[c] : bounds[c + 1]]]
            groups.append(_Group(rows.astype(np.int64), cols.astype(np.int64)))
    return groups


def _strips(rows: I64, width: int, enc: _Encoded, entries: int) -> list[tuple[I64, bool]]:
    """Rows in strips of about ``entries`` pairs, each all with or all without preferences
    (rows without skip that work)."""
    step = max(1, entries // max(1, width))
    rows = rows[np.argsort(enc.p_prefs[rows], kind="stable")]
    split = int(np.searchsorted(enc.p_prefs[rows], True))
    out = []
    for lo, hi, has in ((0, split, False), (split, rows.size, True)):
        for a in range(lo, hi, step):
            out.append((rows[a : min(hi, a + step)], has))
    return out


def _exclude(
    enc: _Encoded, rows: I64, cols: I64, values: npt.NDArray[np.integer], bad: int
) -> None:
    if not enc.excl.size:
        return
    lo = np.searchsorted(enc.excl, rows * enc.S)
    hi = np.searchsorted(enc.excl, rows * enc.S + enc.S)
    for r in np.flatnonzero(hi > lo):
        excluded = enc.excl[lo[r] : hi[r]] - rows[r] * enc.S
        pos = np.searchsorted(cols, excluded)
        pos = pos[pos < cols.size]
        pos = pos[np.isin(cols[pos], excluded)]
        values[r, pos] = bad


_STRIP = 4_000_000  # pairs per strip: small enough for both cores to share a group
_CUT_STRIP = 3  # a supporter's share of its best participants kept from each strip, x
_CUT_PASSES = 6  # ranks below a line's best that a cut takes whole, at most


def _remote_strip(
    model: _Model, rows: I64, cols: I64, prefs: bool, top_k: int, k_cols: I64
) -> tuple[_Arcs, _Arcs, I64, _Block]:
    """Rank a strip of pairs (online or phone); keep each row's and each column's best."""
    rank, by_row, by_col = model.ranks(rows, cols, prefs)
    table, offsets = _jitter(rows, cols.size)
    if top_k >= cols.size:  # every compatible pair
        level = np.zeros(rows.size, dtype=np.int64)
        r_level, r_jcut, r_top = level, level + 64, level
    else:
        r_level, r_jcut, r_top = kernels.cut(by_row, np.full(rows.size, top_k), _CUT_PASSES)
    c_level, c_jcut, _ = kernels.cut(by_col.T, k_cols, _CUT_PASSES)
    r, c, cr, cc = kernels.kept(
        rank, table, offsets, r_level, r_jcut, c_level, c_jcut, by_row, by_col
    )
    row_arcs = _Arcs(rows[r], cols[c], model.points_by_rank[rank[r, c]], np.full(r.size, -1))
    # The column's rank and jitter order its entries when strips are merged.
    key = rank[cr, cc].astype(np.int64) * 64 + table[offsets[cr] + cc]
    col_arcs = _Arcs(rows[cr], cols[cc], key, np.full(cr.size, -1))
    theta = np.where(r_top > 0, model.points_by_rank[r_top], -1)
    return row_arcs, col_arcs, theta, _Block(rows, cols, rank, False)


def _best_per_supporter(arcs: _Arcs, k: I64, points: Callable[[I64], I64]) -> _Arcs:
    """Each supporter's k best of the arcs (whose ``score`` holds an ordering key; ties go
    to the participant first in order). No pair may come twice."""
    if not arcs.p.size:
        return arcs
    pick = kernels.best_per_column(arcs.s, arcs.score, arcs.p, k, k.size)
    return _Arcs(arcs.p[pick], arcs.s[pick], points(arcs.score[pick]), arcs.metres[pick])


def _supporter_k(enc: _Encoded) -> I64:
    # Enough of a supporter's best participants to fill its places with room to choose.
    out: I64 = np.clip(2 * enc.s_places + 2, 4, 64)
    return out


def _remote_candidates(model: _Model, groups: list[_Group], top_k: int) -> _Pool:
    """Each participant's ``top_k`` best supporters online or by phone, and each supporter's
    best participants, from strips of pairs scored on a few threads."""
    enc = model.enc
    theta = np.full(enc.P, -1, dtype=np.int64)
    k_s = _supporter_k(enc)
    jobs = []
    for group in groups:
        for rows, prefs in _strips(group.rows, group.cols.size, enc, _STRIP):
            share = -(-_CUT_STRIP * k_s[group.cols] * rows.size // group.rows.size)
            jobs.append(
                (rows, group.cols, prefs, np.minimum(k_s[group.cols], np.maximum(share, 2)))
            )
    done = list(_workers().map(lambda j: _remote_strip(model, j[0], j[1], j[2], top_k, j[3]), jobs))
    blocks = []
    row_parts, col_parts = [], []
    for row_arcs, col_arcs, strip_theta, block in done:
        row_parts.append(row_arcs)
        col_parts.append(col_arcs)
        theta[block.rows] = strip_theta
        blocks.append(block)
    cols = _best_per_supporter(_concat(col_parts), k_s, lambda key: model.points_by_rank[key // 64])
    arcs = _Arcs.union([*row_parts, cols], enc.S)
    return _Pool(arcs, blocks, theta)


def _in_person_candidates(model: _Model, max_m: int, top_k: int) -> _Pool:
    """Pairs who both meet in person within max_m: each participant's and each supporter's best.

    Participants are put in cells at least max_m wide where they are, so every
    supporter within reach is in the participant's cell or a neighbour.
    """
    enc = model.enc
    theta = np.full(enc.P, -1, dtype=np.int64)
    prow = np.flatnonzero(((enc.p_fmt & IN_PERSON) != 0) & ~np.isnan(enc.p_loc[:, 0]))
    scol = np.flatnonzero(
        ((enc.s_fmt & IN_PERSON) != 0) & ~np.isnan(enc.s_loc[:, 0]) & (enc.s_places > 0)
    )
    if not prow.size or not scol.size:
        return _Pool(_Arcs.empty(), [], theta)
    angle = (max_m + 1) / EARTH_RADIUS_M
    dlat = math.degrees(angle) * 1.0001
    top = min(90.0, float(np.abs(enc.p_loc[prow, 0]).max()))
    cos_top = math.cos(math.radians(top))
    reach = math.sin(angle) / cos_top if cos_top > 1e-12 else math.inf
    nlon = 1 if reach >= 1 else max(1, int(360 // (math.degrees(math.asin(reach)) * 1.0001)))
    width = 360 / nlon

    def cells(loc: npt.NDArray[np.float64]) -> tuple[I64, I64]:
        ilat = np.floor((loc[:, 0] + 90) / dlat).astype(np.int64)
        ilon = np.minimum(np.floor((loc[:, 1] + 180) / width).astype(np.int64), nlon - 1)
        return ilat, ilon

    pi, pj = cells(enc.p_loc[prow])
    si, sj = cells(enc.s_loc[scol])
    s_key = si * nlon + sj
    order = np.argsort(s_key, kind="stable")
    sorted_keys = s_key[order]
    p_key = pi * nlon + pj
    cell_of = np.unique(p_key, return_inverse=True)[1].reshape(-1)
    by_cell = np.argsort(cell_of, kind="stable")
    bounds = np.searchsorted(cell_of[by_cell], np.arange(cell_of.max() + 2))
    k_s = _supporter_k(enc)
    chord_max = 2 * math.sin(angle / 2)
    jobs = []
    for cell in range(bounds.size - 1):
        members = by_cell[bounds[cell] : bounds[cell + 1]]
        if not members.size:
            continue
        ci, cj = pi[members[0]], pj[members[0]]
        near = []
        for di in (-1, 0, 1):
            for dj in sorted({d % nlon for d in (-1, 0, 1)}):
                key = (ci + di) * nlon + (cj + dj) % nlon
                lo, hi = np.searchsorted(sorted_keys, [key, key + 1])
                near.append(order[lo:hi])
        cols = np.sort(scol[np.concatenate(near)])
        if cols.size:
            jobs += [(rows, cols, prefs) for rows, prefs in
                     _strips(np.sort(prow[members]), cols.size, enc, _STRIP // 8)]  # fmt: skip

    def strip(rows: I64, cols: I64, prefs: bool) -> tuple[_Arcs, _Arcs, I64, _Block]:
        points = model.points_by_code[model.codes(rows[:, None], cols[None, :], prefs=prefs)]
        chord = _chord(enc.p_xyz[rows][:, None, :], enc.s_xyz[cols][None, :, :])
        ok = (points >= 0) & (chord <= chord_max)
        ok &= enc.shares_language(rows[:, None], cols[None, :])
        metres = np.full(ok.shape, max_m + 1, dtype=np.int64)
        metres[ok] = _metres(chord[ok])
        ok &= metres <= max_m
        values = np.where(ok, points + model.nearness(metres, max_m), NEG)
        _exclude(enc, rows, cols, values, NEG)
        r, c, cr, cc, cut = kernels.best_entries(values, top_k, k_s[cols])
        return (
            _Arcs(rows[r], cols[c], values[r, c], metres[r, c]),
            _Arcs(rows[cr], cols[cc], values[cr, cc], metres[cr, cc]),
            cut,
            _Block(rows, cols, values, True),
        )

    batches = _batches(jobs, [rows.size * cols.size for rows, cols, _ in jobs], _STRIP // 2)
    done = list(_workers().map(lambda batch: [strip(*job) for job in batch], batches))
    row_parts, col_parts, blocks = [], [], []
    for row_arcs, col_arcs, cut, block in (one for batch in done for one in batch):
        row_parts.append(row_arcs)
        col_parts.append(col_arcs)
        blocks.append(block)
        theta[block.rows] = np.maximum(theta[block.rows], cut)
    cols_arcs = _best_per_supporter(_concat(col_parts), k_s, lambda v: v)
    return _Pool(_Arcs.union([*row_parts, cols_arcs], enc.S), blocks, theta)


# --- the flow -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Solution:
    used: Bool  # per arc
    bonus: int  # added to every pair's score in the objective ("most_matched")


def _bonus(enc: _Encoded, pts: _Points, arcs: _Arcs, objective: Objective) -> int:
    """What "most_matched" adds to every pair in the objective: larger than any difference in
    total score between two assignments, so that one more pair always wins (0 otherwise).

    Each participant's best pair is a candidate, so the top score is among the
    arcs; no assignment costs more in load than every place filled.
    """
    if objective != "most_matched" or not arcs.p.size:
        return 0
    n = np.minimum(enc.s_places, enc.P)
    load = int((pts.load * (n * enc.s_caseload + n * (n - 1) // 2)).sum())
    return int(enc.P * int(arcs.score.max()) + load + 1)


def _solve(enc: _Encoded, pts: _Points, arcs: _Arcs, objective: Objective, bonus: int) -> _Solution:
    """The optimal flow on the arcs.

    "most_matched" is solved as a maximum flow of least cost (OR-Tools'
    ``solve_max_flow_with_min_cost``: the largest number of pairs, then the
    least cost among flows that large): the bonus objective without the
    bonus's large numbers, which slow the cost scaling down. ``bonus`` is the
    one the check prices pairs with (``_bonus`` of every candidate).
    """
    P, S = enc.P, enc.S
    p, s, score = arcs.p, arcs.s, arcs.score
    sink = P + S
    # No supporter can take more people than it has candidate pairs.
    places = np.minimum(enc.s_places, np.bincount(s, minlength=S))
    slot_s = np.repeat(np.arange(S), places)
    slot_k = np.arange(slot_s.size) - np.repeat(np.cumsum(places) - places, places)
    slot_cost = pts.load * (enc.s_caseload[slot_s] + slot_k)
    top = (int(score.max(initial=0)) + bonus + int(slot_cost.max(initial=0))) * (P + 1)
    if top >= 1 << 62:
        raise ValueError(
            "the weights, caseloads and numbers of people are too large to compare exactly; "
            "lower the weights"
        )
    most = objective == "most_matched"
    tails, heads, costs = [p, P + slot_s], [P + s, np.full(slot_s.size, sink)], [-score, slot_cost]
    if not most:  # a participant may be left waiting, at no cost
        tails.append(np.arange(P))
        heads.append(np.full(P, sink))
        costs.append(np.zeros(P, np.int64))
    tail = np.concatenate(tails).astype(np.int32)
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tail,
        np.concatenate(heads).astype(np.int32),
        np.ones(tail.size, dtype=np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    supplies = np.zeros(P + S + 1, dtype=np.int64)
    supplies[:P] = 1
    supplies[sink] = -P
    flow.set_nodes_supplies(np.arange(P + S + 1, dtype=np.int32), supplies)
    status = flow.solve_max_flow_with_min_cost() if most else flow.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow solver stopped with status {status!r}")
    used = np.asarray(flow.flows(np.arange(p.size, dtype=np.int32))) > 0
    return _Solution(used, bonus)


def _mend_most(n_participants: int) -> int:
    """The most participants with a new pair for a round to be mended, not solved afresh."""
    return max(_MEND_FEW, n_participants // _MEND_SHARE)


def _reoptimise(
    enc: _Encoded, pts: _Points, graph: _Arcs, used_keys: I64, d_p: I64, d_s: I64, bonus: int
) -> Bool | None:
    """The optimal flow on ``graph`` from the last one (its pairs ``used_keys``, all in
    ``graph``; its distances to the sink d_p, d_s), after pairs were added: the
    last flow is kept and mended where the added pairs improve it
    (``kernels.reoptimise``), instead of solved again from nothing (OR-Tools
    starts every solve from scratch). None where the sums might not fit in 64
    bits, the distances do not hold, or mending turns out to be more work than
    solving (see ``_MEND_WORK``); the caller then solves from scratch. Either way
    the next check proves the result."""
    P, S = enc.P, enc.S
    weight = graph.score + bonus
    top = (int(weight.max(initial=0)) + pts.load * int((enc.s_caseload + enc.s_places).max())) * (
        P + S + 2
    )
    if top >= 1 << 58:
        return None
    keys = graph.keys(S)
    used = np.zeros(graph.p.size, dtype=bool)
    at = np.searchsorted(keys, used_keys)
    if (at >= keys.size).any() or (keys[np.minimum(at, keys.size - 1)] != used_keys).any():
        return None
    used[at] = True
    p_start = np.searchsorted(graph.p, np.arange(P + 1))
    s_arcs = np.argsort(graph.s, kind="stable")
    s_start = np.searchsorted(graph.s[s_arcs], np.arange(S + 1))
    d = np.concatenate([d_p, d_s, np.zeros(1, dtype=np.int64)])
    ok = kernels.reoptimise(
        P, S, graph.p, graph.s, weight, p_start, s_arcs, s_start, used,
        enc.s_places.astype(np.int64), enc.s_caseload.astype(np.int64), pts.load, d, INF,
        _mend_most(P), _MEND_WORK * (graph.p.size + P + S),
    )  # fmt: skip
    return used if ok else None


def _distances(enc: _Encoded, pts: _Points, arcs: _Arcs, sol: _Solution) -> tuple[I64, I64] | None:
    """Shortest distances to the sink in the residual graph (Bellman-Ford, a compiled loop).

    With them as potentials every arc in the graph has a reduced cost >= 0, so
    a left-out pair (p, s) could only improve the flow if
    score + bonus > d_s - d_p. None if they show the flow is not optimal on
    the arcs: they do not settle (a cycle of negative cost), or an arc out of
    the sink has a negative reduced cost (a participant left waiting who could
    be matched at a gain, a place given that costs more than it brings).
    Neither happens at an optimum; the check keeps the proof whole.
    """
    P, S = enc.P, enc.S
    weight = arcs.score + sol.bonus
    used = sol.used
    matched = np.zeros(P, dtype=bool)
    matched[arcs.p[used]] = True
    taken = np.bincount(arcs.s[used], minlength=S)
    # Each node's own arc to the sink first: a matched participant's back along
    # its waiting arc; the supporter's real free places count, not the ones
    # the flow was given (a left-out pair may use one).
    d_p = np.where(matched, 0, INF).astype(np.int64)
    d_s = np.where(taken < enc.s_places, pts.load * (enc.s_caseload + taken), INF)
    d_s = d_s.astype(np.int64)
    up, us, uw = arcs.p[~used], arcs.s[~used], weight[~used]
    starts = np.flatnonzero(np.r_[True, up[1:] != up[:-1]]) if up.size else up
    mp, ms, mw = arcs.p[used], arcs.s[used], weight[used]
    if not kernels.settle_distances(d_p, d_s, up, us, uw, starts, mp, ms, mw, P + S + 2, INF):
        return None
    # Arcs out of the sink: back along a waiting participant's arc (cost 0),
    # back along a supporter's last place taken.
    last = pts.load * (enc.s_caseload + taken - 1)
    if (d_p[~matched] < 0).any() or (d_s[taken > 0] < last[taken > 0]).any():
        return None
    return d_p, d_s


def _violations(
    model: _Model, pool: _Pool, arcs: _Arcs, bonus: int, d_p: I64, d_s: I64, top_k: int
) -> _Arcs:
    """Left-out pairs that would improve the flow at these prices (empty: it is optimal).

    A left-out pair (p, s) improves it only if score + bonus - d_s > -d_p. No
    left-out pair of p scores above theta[p], and no supporter in a block is
    cheaper than the block's lowest price, so most participants are cleared
    by that bound; the rest are checked pair by pair on the kept blocks.
    """
    enc = model.enc
    limit = -d_p
    known_any = arcs.keys(enc.S)
    # A pair in the graph online does not cover the same pair in person, which
    # scores more; a pair in the graph in person covers both.
    known_in_person = known_any[arcs.metres >= 0]

    def check(block: _Block) -> _Arcs:
        known = known_in_person if block.in_person else known_any
        # Only supporters priced below theta + bonus - limit can take a
        # left-out pair of that participant: scan those, cheapest first.
        price = d_s[block.cols]
        order = np.argsort(price, kind="stable")
        sorted_price = price[order]
        theta = pool.theta[block.rows]
        reach = np.searchsorted(sorted_price, theta + bonus - limit[block.rows], side="left")
        reach[theta < 0] = 0
        doubt = np.flatnonzero(reach > 0)
        if not doubt.size:
            return _Arcs.empty()
        table = model.points_by_rank if not block.in_person else np.zeros(0, dtype=np.int64)
        i, j, points = kernels.improving(
            doubt, reach, order, sorted_price, block.values, table, bonus, limit[block.rows],
            block.rows, block.cols, known, enc.S, top_k,
        )  # fmt: skip
        p, s = block.rows[i], block.cols[j]
        metres = np.full(p.size, -1, dtype=np.int64)
        if block.in_person:
            metres = _metres(_chord(enc.p_xyz[p], enc.s_xyz[s]))
        return _Arcs(p, s, points, metres)

    batches = _batches(pool.blocks, [b.values.size for b in pool.blocks], _STRIP)
    found = list(_workers().map(lambda batch: [check(b) for b in batch], batches))
    return _Arcs.union([arcs for batch in found for arcs in batch], enc.S)


def _batches(items: Sequence[_T], sizes: Sequence[int], size: int) -> list[list[_T]]:
    """The items in order, in batches of at least ``size`` (by their sizes) where there
    are enough: small blocks (cells of people near each other) share a thread's
    task, since a task costs more than checking a small block."""
    out: list[list[_T]] = [[]]
    total = 0
    for item, n in zip(items, sizes, strict=True):
        if total >= size:
            out.append([])
            total = 0
        out[-1].append(item)
        total += n
    return [batch for batch in out if batch]


# --- explanations -------------------------------------------------------------------------


def _and(items: Sequence[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _slot_words(slot: str) -> str:
    day, part = slot.split("-")
    return f"{DAY_NAMES[day]} {part}s"


_SLOT_WORDS = {slot: _slot_words(slot) for slot in SLOTS}


def _km(metres: int) -> str:
    if metres < 1000:
        return "less than 1 km"
    return f"{metres / 1000:.0f} km"


def _tag_words(tag: str, vocabulary: Mapping[str, str] | None) -> str:
    if vocabulary is not None and vocabulary.get(tag):
        return vocabulary[tag]
    return tag.replace("_", " ")


def _pair_reasons(
    p: Participant,
    s: Supporter,
    fmt: Format,
    metres: int,
    vocabulary: Mapping[str, str] | None,
    new_people: int,
    times: dict[frozenset[str], str] | None = None,
) -> tuple[str, ...]:
    """The reasons a pair was made, in plain words. ``times`` keeps the words for sets of
    shared times already written (many pairs share the same ones)."""
    reasons = [f"both {_tag_words(t, vocabulary)}" for t in sorted(p.tags & s.tags)]
    both = p.slots & s.slots
    said = None if times is None else times.get(both)
    if said is None:
        shared = sorted(both, key=_SLOT_BIT.__getitem__)
        words = [_SLOT_WORDS[x] for x in shared[:3]]
        if len(shared) > 3:
            words.append(f"{len(shared) - 3} more times a week")
        said = "both free on " + _and(words)
        if times is not None:
            times[both] = said
    reasons.append(said)
    if fmt == "in_person":
        reasons.append(f"{_km(metres)} apart, to meet in person")
    elif fmt == "online":
        reasons.append("both can meet online")
    else:
        reasons.append("both can talk by phone")
    for pref in p.preferences:
        if pref.strength != "nice":
            continue
        if pref.kind == "gender" and s.gender == pref.value:
            reasons.append(f"a supporter of the gender they asked for ({pref.value})")
        elif pref.kind == "tag" and pref.value in s.tags:
            reasons.append(f"a supporter they asked for ({_tag_words(pref.value, vocabulary)})")
    if s.caseload == 0 and new_people == 1:
        reasons.append("the supporter has no one else yet")
    return tuple(reasons)


_PAIR_WORDS: dict[str, str] = {
    "no_supporters": "there is no supporter",
    "no_language": "they do not share a language",
    "no_format": "they cannot meet in a way both want",
    "no_time": "they are not free at the same times",
    "must_preference": "the supporter does not meet the participant's must-have preferences",
    "excluded": "they may not be paired (they know each other, or an earlier pairing ended "
    "with a concern)",
    "no_places": "the supporter has no free places",
}


def _diagnose(model: _Model, p: Participant, i: int, max_m: int) -> tuple[UnmatchedCode, str]:
    """Why participant i fits no supporter: the first hard constraint that rules them all out."""
    enc = model.enc
    if not enc.S:
        return "no_supporters", "there are no supporters to match with"
    rows = np.full(enc.S, i, dtype=np.int64)
    cols = np.arange(enc.S, dtype=np.int64)
    if not p.languages:
        return "no_language", "they have not said which languages they speak"
    ok = enc.shares_language(rows, cols)
    if not ok.any():
        return "no_language", "no supporter shares a language"
    if not p.formats:
        return "no_format", "they have not said how they would like to meet"
    can = (enc.s_fmt & (int(enc.p_fmt[i]) & REMOTE)) != 0
    if p.location is not None and "in_person" in p.formats:
        placed = np.flatnonzero(~np.isnan(enc.s_loc[:, 0]))
        near = np.zeros(enc.S, dtype=bool)
        near[placed] = _metres(_chord(enc.p_xyz[[i]], enc.s_xyz[placed])) <= max_m
        can |= ((enc.s_fmt & IN_PERSON) != 0) & near
    ok &= can
    if not ok.any():
        if p.formats == {"in_person"} and p.location is None:
            return "no_format", "they want to meet in person but have not given a location"
        ways = [
            f"in person within {max_m / 1000:g} km" if f == "in_person" else
            ("online" if f == "online" else "by phone")
            for f in FORMATS if f in p.formats and (f != "in_person" or p.location is not None)
        ]  # fmt: skip
        return "no_format", f"no supporter who shares a language can meet {_and(ways, 'or')}"
    if not p.slots:
        return "no_time", "they have not given any times they are free"
    ok &= (enc.s_slots & enc.p_slots[i]) != 0
    if not ok.any():
        return "no_time", (
            "no supporter who shares a language and a way of meeting is free at the same times"
        )
    ok &= model.rank_by_code[model.codes(rows, cols)] > 0
    if not ok.any():
        musts = [
            f"a supporter whose gender is {f.value}" if f.kind == "gender" else
            f"a supporter with the tag {f.value!r}"
            for f in p.preferences if f.strength == "must"
        ]  # fmt: skip
        return "must_preference", (
            f"no supporter who fits otherwise meets their must-have preferences ({_and(musts)})"
        )
    ok &= ~enc.excluded(rows, cols)
    if not ok.any():
        return "excluded", (
            "the only supporters who fit are ones they may not be paired with (they know each "
            "other, or an earlier pairing ended with a concern)"
        )
    return "no_places", "no free places among supporters who fit"


# --- checks ---------------------------------------------------------------------------------


def _check_inputs(
    participants: object,
    supporters: object,
    objective: object,
    max_distance_km: object,
    vocabulary: object,
    top_k: object,
    weights: object,
) -> tuple[list[Participant], list[Supporter]]:
    for name, value in (("participants", participants), ("supporters", supporters)):
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise ValueError(f"{name} must be a list of records")
    people = list(participants)  # type: ignore[call-overload]
    helpers = list(supporters)  # type: ignore[call-overload]
    for record in people:
        if not isinstance(record, Participant):
            raise ValueError(f"participants must be Participant records, not {record!r}")
    for record in helpers:
        if not isinstance(record, Supporter):
            raise ValueError(f"supporters must be Supporter records, not {record!r}")
    for kind, records in (("participants", people), ("supporters", helpers)):
        seen: set[Id] = set()
        for record in records:
            if record.id in seen:
                raise ValueError(f"two {kind} have the id {record.id!r}; ids must be unique")
            seen.add(record.id)
    if objective not in OBJECTIVES:
        raise ValueError(f"the objective is 'best_total' or 'most_matched', not {objective!r}")
    if not isinstance(weights, Weights):
        raise ValueError(f"weights must be a Weights record, not {weights!r}")
    if (
        isinstance(max_distance_km, bool)
        or not isinstance(max_distance_km, numbers.Real)
        or not math.isfinite(float(max_distance_km))
        or not 0.001 <= float(max_distance_km) <= 20_000
    ):
        raise ValueError(
            f"the maximum distance must be from 0.001 to 20,000 km, not {max_distance_km!r}"
        )
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1:
        raise ValueError(f"top_k must be a whole number of at least 1, not {top_k!r}")
    if vocabulary is not None:
        if not isinstance(vocabulary, Mapping):
            raise ValueError("the vocabulary must map each tag to the words for it, or be None")
        for kind, records in (("participant", people), ("supporter", helpers)):
            for record in records:
                wanted = set(record.tags)
                if isinstance(record, Participant):
                    wanted |= {f.value for f in record.preferences if f.kind == "tag"}
                for tag in sorted(wanted):
                    if tag not in vocabulary:
                        raise ValueError(
                            f"{kind} {record.id!r}: the tag {tag!r} is not in the programme's "
                            "list of tags"
                        )
    return people, helpers


# --- the API --------------------------------------------------------------------------------


def match(
    participants: Collection[Participant],
    supporters: Collection[Supporter],
    *,
    weights: Weights | None = None,
    objective: Objective = "best_total",
    max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
    vocabulary: Mapping[str, str] | None = None,
    top_k: int = DEFAULT_TOP_K,
    prove_optimal: bool = True,
) -> Result:
    """The best assignment of participants to supporters under the hard constraints.

    ``objective``: "best_total" maximises the total score and may leave people
    unmatched when matching them would cost more in load than their fit is
    worth; "most_matched" matches as many people as possible, then takes the
    highest total score among those assignments. ``vocabulary`` maps each tag
    allowed in this programme to the words used in reasons ("new_dad": "new
    dads" gives "both new dads"); without it tags are only checked for form.
    ``top_k`` bounds the candidates each participant starts with; it changes
    speed, not the answer, while ``prove_optimal`` is on: left-out pairs are
    checked and brought back until none would improve the result. With it off,
    the flow is solved once on the candidates and ``optimal`` is true only if
    none was left out (faster; see docs/matching.md for what that can lose).
    Bad input raises ValueError.
    """
    weights = Weights() if weights is None else weights
    people, helpers = _check_inputs(
        participants, supporters, objective, max_distance_km, vocabulary, top_k, weights
    )
    if not people:
        return Result((), (), objective, 0.0, 0.0, True, 0, 0)
    pts = _Points.of(weights)
    max_m = max(1, round(float(max_distance_km) * 1000))
    enc = _Encoded(people, helpers)
    model = _Model(enc, pts)
    pool = _pool(model, max_m, int(top_k))
    arcs = pool.arcs
    rounds, optimal = 1, True
    # After the first round the solver is given only the candidates near
    # improving at its prices (see _near); the rest ("far", by key) stay
    # candidates, are checked every round and come back when they would improve.
    far = returned = np.zeros(0, dtype=np.int64)
    sol = _solve(enc, pts, arcs, objective, _bonus(enc, pts, arcs, objective))
    in_graph = np.ones(arcs.p.size, dtype=bool)
    while (pool.theta >= 0).any():  # else no compatible pair was left out
        if not prove_optimal:
            optimal = False
            break
        graph = arcs if far.size == 0 else arcs.take(in_graph)
        distances = _distances(enc, pts, graph, _Solution(sol.used[in_graph], sol.bonus))
        if distances is None:
            optimal = False
            break
        d_p, d_s = distances
        extra = _violations(model, pool, arcs, sol.bonus, d_p, d_s, int(top_k))
        back = _returning(arcs, in_graph, sol.bonus, d_p, d_s)
        if not extra.p.size and not back.any():
            break
        if rounds >= _MAX_ROUNDS:
            optimal = False
            break
        # The solver's next graph: the candidates within a margin of improving
        # the flow at these prices (by reduced cost, ``slack``), the pairs it
        # uses and the pairs now added; the rest ("far") are left out.
        # A pair once brought back stays in the graph, so rounds cannot cycle.
        slack = -d_p[arcs.p] - (arcs.score + sol.bonus - d_s[arcs.s])
        gain = extra.score + sol.bonus - d_s[extra.s] + d_p[extra.p]
        best = max(int(gain.max(initial=0)), int(-slack[back].min(initial=0)))
        keys = arcs.keys(enc.S)
        returned = np.union1d(returned, keys[back])
        moved = np.unique(np.concatenate([extra.p, arcs.p[back]]))  # who has a new pair
        far = keys[~sol.used & (slack >= min(_near(pts), best))]
        far = far[_outside(far, returned)]
        arcs = arcs.merged(extra, enc.S)
        in_graph = _outside(arcs.keys(enc.S), far)
        # The bonus is worked out on every candidate, not only the graph's.
        bonus = _bonus(enc, pts, arcs, objective)
        graph = arcs.take(in_graph)
        used = None
        # Mended from the last flow where few participants have a new pair (the
        # rounds after the second); solved afresh where many do (mending re-routes
        # them one path at a time: the second round gives a quarter to a half of
        # them a new pair).
        if bonus == sol.bonus and moved.size <= _mend_most(enc.P):
            used = _reoptimise(enc, pts, graph, keys[sol.used], d_p, d_s, bonus)
        if used is None:
            used = _solve(enc, pts, graph, objective, bonus).used
        sol = _Solution(np.zeros(arcs.p.size, dtype=bool), bonus)
        sol.used[in_graph] = used
        rounds += 1
    return _result(people, helpers, model, arcs, sol, objective, vocabulary, max_m, optimal,
                   rounds)  # fmt: skip


def _returning(arcs: _Arcs, in_graph: Bool, bonus: int, d_p: I64, d_s: I64) -> Bool:
    """The candidates left out of the solver's graph that would improve the flow at
    these prices (score + bonus - d_s > -d_p, as in ``_violations``)."""
    gain = arcs.score + bonus - d_s[arcs.s]
    out: Bool = ~in_graph & (d_s[arcs.s] < INF) & (gain > -d_p[arcs.p])
    return out


def _near(pts: _Points) -> int:
    """The most a candidate may be from improving (in points of reduced cost) and
    still be given to the solver: the larger of one more person's load and the
    smallest step a score can take (``match`` takes less where no pair added in
    the round improves the flow by as much; docs/matching.md, "A smaller graph").
    Only speed depends on it, not the answer: a pair left out that would improve
    the flow is brought back by the next check."""
    steps = [w for w in (pts.fit, pts.tag, pts.slot, pts.nearness, pts.nice) if w > 0]
    return max(pts.load, min(steps, default=1), 1)


def _outside(keys: I64, among: I64) -> Bool:
    """Which of ``keys`` are not among the sorted keys ``among``."""
    if not among.size:
        return np.ones(keys.size, dtype=bool)
    at = np.minimum(np.searchsorted(among, keys), among.size - 1)
    out: Bool = among[at] != keys
    return out


def _pool(model: _Model, max_m: int, top_k: int) -> _Pool:
    remote = _remote_candidates(model, _groups(model.enc), top_k)
    near = _in_person_candidates(model, max_m, top_k)
    return _Pool(
        _Arcs.union([near.arcs, remote.arcs], model.enc.S),
        [*near.blocks, *remote.blocks],
        np.maximum(near.theta, remote.theta),
    )


def _result(
    people: list[Participant],
    helpers: list[Supporter],
    model: _Model,
    arcs: _Arcs,
    sol: _Solution,
    objective: Objective,
    vocabulary: Mapping[str, str] | None,
    max_m: int,
    optimal: bool,
    rounds: int,
) -> Result:
    enc, pts = model.enc, model.pts
    used = np.flatnonzero(sol.used)
    new_people = np.bincount(arcs.s[used], minlength=enc.S)
    partner = np.full(enc.P, -1, dtype=np.int64)
    partner[arcs.p[used]] = used
    pairs: list[Pair] = []
    unmatched: list[Unmatched] = []
    has_arcs = np.zeros(enc.P, dtype=bool)
    has_arcs[arcs.p] = True
    free = new_people < enc.s_places
    free_arc = np.zeros(enc.P, dtype=bool)
    free_arc[arcs.p[free[arcs.s]]] = True
    # Each participant's pair as plain lists: reading numpy arrays one item at a time
    # costs more than writing the reasons.
    partner_of = partner.tolist()
    s_of, metres_of, score_of = (
        np.where(partner >= 0, np.r_[column, -1][partner], -1).tolist()
        for column in (arcs.s, arcs.metres, arcs.score)
    )
    new_of, has_arcs_of, free_arc_of = new_people.tolist(), has_arcs.tolist(), free_arc.tolist()
    words: dict[frozenset[str], str] = {}  # the shared times, in words
    for i, p in enumerate(people):
        if partner_of[i] >= 0:
            j = s_of[i]
            s = helpers[j]
            metres = metres_of[i]
            fmt: Format = (
                "in_person" if metres >= 0 else ("online" if "online" in p.formats & s.formats
                                                 else "phone")
            )  # fmt: skip
            pairs.append(
                Pair(
                    p.id,
                    s.id,
                    fmt,
                    _points_to_score(score_of[i]),
                    _pair_reasons(p, s, fmt, metres, vocabulary, new_of[j], words),
                    round(metres / 1000, 1) if metres >= 0 else None,
                )  # fmt: skip
            )
        elif not has_arcs_of[i]:
            unmatched.append(Unmatched(p.id, *_diagnose(model, p, i, max_m)))
        elif objective == "best_total" and free_arc_of[i]:
            unmatched.append(
                Unmatched(
                    p.id,
                    "load",
                    "the supporters who fit and have places left already support enough people "
                    "that, with this programme's load weight, one more costs more than this fit "
                    "is worth",
                )  # fmt: skip
            )
        elif objective == "best_total":
            unmatched.append(
                Unmatched(
                    p.id, "taken", "every supporter who fits was given to someone with a better fit"
                )  # fmt: skip
            )
        else:
            unmatched.append(
                Unmatched(
                    p.id,
                    "taken",
                    "every supporter who fits was given to someone else, "
                    "so that as many people as possible are matched",
                )  # fmt: skip
            )
    fit_points = int(arcs.score[used].sum())
    load_points = sum(
        pts.load * sum(int(enc.s_caseload[j]) + k for k in range(int(n)))
        for j, n in enumerate(new_people) if n
    )  # fmt: skip
    return Result(
        tuple(pairs), tuple(unmatched), objective,
        _points_to_score(fit_points - load_points), _points_to_score(load_points),
        optimal, rounds, int(arcs.p.size),
    )  # fmt: skip


def fit(
    participant: Participant,
    supporter: Supporter,
    *,
    weights: Weights | None = None,
    max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
    vocabulary: Mapping[str, str] | None = None,
) -> Fit:
    """How one pair fits, scored exactly as ``match`` scores it, or the rule it breaks.

    Free places count: a supporter with none fits no one.
    """
    weights = Weights() if weights is None else weights
    people, helpers = _check_inputs(
        [participant], [supporter], "best_total", max_distance_km, vocabulary, 1, weights
    )
    pts = _Points.of(weights)
    max_m = max(1, round(float(max_distance_km) * 1000))
    enc = _Encoded(people, helpers)
    model = _Model(enc, pts)
    zero = np.zeros(1, dtype=np.int64)
    base = int(model.points(zero, zero)[0])
    fmt: Format | None = None
    score, metres = -1, -1
    if base >= 0:
        shared = participant.formats & supporter.formats
        if "in_person" in shared and participant.location and supporter.location:
            d = _metres(_chord(enc.p_xyz[[0]], enc.s_xyz[[0]]))
            if int(d[0]) <= max_m:
                fmt, metres = "in_person", int(d[0])
                score = base + int(model.nearness(d, max_m)[0])
        if fmt is None and shared & {"online", "phone"}:
            fmt = "online" if "online" in shared else "phone"
            score = base
    if fmt is None:
        code, _ = _diagnose(model, participant, 0, max_m)
        return Fit(False, 0.0, None, None, (_PAIR_WORDS[code],))
    return Fit(
        True, _points_to_score(score), fmt,
        round(metres / 1000, 1) if metres >= 0 else None,
        _pair_reasons(participant, supporter, fmt, metres, vocabulary, 1),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Candidates:
    """Compatible pairs as arrays of row numbers into the records given, sorted by participant.

    ``points`` is the pair's score x SCALE; ``metres`` the distance for an
    in-person pair, -1 for online or phone.
    """

    participant: I64
    supporter: I64
    points: I64
    metres: I64


def candidates(
    participants: Collection[Participant],
    supporters: Collection[Supporter],
    *,
    weights: Weights | None = None,
    max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
    top_k: int | None = DEFAULT_TOP_K,
) -> Candidates:
    """The pairs ``match`` starts from: each participant's ``top_k`` best online or phone
    pairs and every in-person pair within reach; with ``top_k=None``, every compatible pair.

    For baselines and independent checks (bench/matching.py, the tests).
    """
    weights = Weights() if weights is None else weights
    people, helpers = _check_inputs(
        participants, supporters, "best_total", max_distance_km, None, top_k or 1, weights
    )
    enc = _Encoded(people, helpers)
    model = _Model(enc, _Points.of(weights))
    max_m = max(1, round(float(max_distance_km) * 1000))
    arcs = _pool(model, max_m, max(1, enc.S) if top_k is None else top_k).arcs
    return Candidates(arcs.p, arcs.s, arcs.score, arcs.metres)
