"""Compiled loops for the matching engine's passes over every pair and every arc.

Scoring candidates (``rank_block``, ``cut``, ``kept``, ``best_entries``) and
checking left-out pairs (``improving``, ``settle_distances``) touch each of
hundreds of millions of pairs or every arc of each round's flow; as numpy
expressions each pass over a block was a dozen passes over memory. These loops
(numba, compiled on first use and cached, see ``_jit``) do each in one, without
the GIL, so the engine's threads share the work. They compute exactly what the
numpy they replaced did: tests/matching/test_kernels.py compares each with a
plain version on random blocks. See docs/matching.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np


def _jit(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compiled without the GIL, cached on disk where numba finds a place it may write
    (beside this file, else the user's cache folder); where it finds none (a
    read-only install and home), compiled in memory in each process instead of
    failing at import."""
    try:
        compiled = numba.njit(nogil=True, cache=True, boundscheck=False)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(nogil=True, cache=False, boundscheck=False)(function)
    return cast(Callable[..., Any], compiled)


_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@_jit
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _H01) >> np.uint64(56))


@_jit
def rank_block(
    rows, cols, p_slots, p_tags, p_must_gender, p_must_tags, p_nice_tags, p_nice_gender,
    c_slots, c_tags, c_gender_code, c_gender, tag_step, nice_step, prefs,
    rank_by_code, excl, n_supporters, out, by_row, by_col,
):  # fmt: skip
    """out[i, j] = the rank of pair (rows[i], cols[j]) (``_Model.codes`` then
    ``rank_by_code``; 0 where the pair's key p * n_supporters + s is in the sorted
    ``excl``). The supporters' slots, tags, gender code and gender bits come
    gathered for ``cols`` (c_*: reading them in order is several times faster
    than through cols). tag_step 0 leaves tags out, nice_step 0 nice
    preferences; prefs False skips preferences (no row has any). Adds to
    by_row[i, rank] and by_col[rank, j] how many entries of each rank there
    are. ``cols`` are sorted.

    A row's ranks, its exclusions and its counts are three loops: the first,
    without branches where no preference counts, runs about twice as fast as
    one loop doing all three."""
    wt = p_tags.shape[1]
    wg = c_gender.shape[1]
    n_cols = cols.shape[0]
    for i in range(rows.shape[0]):
        p = rows[i]
        ps = np.uint64(p_slots[p])
        if prefs:
            must_g = p_must_gender[p]
            for j in range(n_cols):
                ok = must_g == -1 or must_g == c_gender_code[j]
                for w in range(wt):
                    must = p_must_tags[p, w]
                    if (must & c_tags[j, w]) != must:
                        ok = False
                if not ok:
                    out[i, j] = 0
                    continue
                shared = 0
                nice = 0
                for w in range(wt):
                    shared += _popcount(p_tags[p, w] & c_tags[j, w])
                    nice += _popcount(p_nice_tags[p, w] & c_tags[j, w])
                for w in range(wg):
                    nice += _popcount(p_nice_gender[p, w] & c_gender[j, w])
                code = _popcount(ps & c_slots[j]) + tag_step * shared + nice_step * nice
                out[i, j] = rank_by_code[code]
        elif wt == 1:  # the common case, in a loop of its own
            pt = p_tags[p, 0]
            for j in range(n_cols):
                code = _popcount(ps & c_slots[j]) + tag_step * _popcount(pt & c_tags[j, 0])
                out[i, j] = rank_by_code[code]
        else:
            for j in range(n_cols):
                shared = 0
                for w in range(wt):
                    shared += _popcount(p_tags[p, w] & c_tags[j, w])
                out[i, j] = rank_by_code[_popcount(ps & c_slots[j]) + tag_step * shared]
        # This participant's exclusions among the (sorted) columns.
        q = np.searchsorted(excl, p * n_supporters)
        q_end = np.searchsorted(excl, (p + 1) * n_supporters)
        for k in range(q, q_end):
            s = excl[k] - p * n_supporters
            at = np.searchsorted(cols, s)
            if at < n_cols and cols[at] == s:
                out[i, at] = 0
        for j in range(n_cols):
            v = out[i, j]
            by_row[i, v] += 1
            by_col[v, j] += 1


@_jit
def kept(rank, jitter, offsets, r_level, r_jcut, c_level, c_jcut, by_row, by_col):
    """The entries (i, j) kept by a cut of the rows and by a cut of the columns: rank
    > level, or rank == level with jitter below jcut, and rank > 0; with the row's
    level and jcut, then with the column's. The jitter of (i, j) is
    jitter[offsets[i] + j]; by_row and by_col count each line's entries of each
    rank (as ``rank_block`` gives them). Returns rows then columns of each."""
    n_rows, n_cols = rank.shape
    levels = by_row.shape[1]
    # No more are kept than the entries at or above each line's level.
    r_low = np.maximum(r_level, 1)
    c_low = np.maximum(c_level, 1)
    n_r = 0
    for i in range(n_rows):
        for level in range(r_low[i], levels):
            n_r += by_row[i, level]
    n_c = 0
    for j in range(n_cols):
        for level in range(c_low[j], levels):
            n_c += by_col[level, j]
    rr = np.empty(n_r, dtype=np.int64)
    rc = np.empty(n_r, dtype=np.int64)
    cr = np.empty(n_c, dtype=np.int64)
    cc = np.empty(n_c, dtype=np.int64)
    n_r = 0
    n_c = 0
    for i in range(n_rows):
        low, level, jcut, at = r_low[i], r_level[i], r_jcut[i], offsets[i]
        for j in range(n_cols):
            v = np.int64(rank[i, j])
            if v >= low and (v > level or jitter[at + j] < jcut):
                rr[n_r] = i
                rc[n_r] = j
                n_r += 1
            if v >= c_low[j] and (v > c_level[j] or jitter[at + j] < c_jcut[j]):
                cr[n_c] = i
                cc[n_c] = j
                n_c += 1
    return rr[:n_r], rc[:n_r], cr[:n_c], cc[:n_c]


@_jit
def improving(
    doubt, reach, order, price, values, table, bonus, limit, rows, cols, known, n_supporters,
    top_k,
):  # fmt: skip
    """Left-out pairs of a block that would improve the flow, at most top_k per row,
    the most improving first (ties: the cheaper supporter first).

    For each block row i in ``doubt``, the columns order[:reach[i]] (cheapest
    first, ``price`` sorted) are scanned: a pair's points are values[i, j]
    (table[values[i, j]] where the table is not empty), negative if it is not
    compatible; it would improve if points + bonus - price > limit[i] and is
    left out if rows[i] * n_supporters + cols[j] is not in the sorted
    ``known``. Returns block rows, block columns and points.
    """
    n = doubt.shape[0]
    out_i = np.empty(n * top_k, dtype=np.int64)
    out_j = np.empty(n * top_k, dtype=np.int64)
    out_points = np.empty(n * top_k, dtype=np.int64)
    best_gain = np.empty(top_k, dtype=np.int64)
    best_c = np.empty(top_k, dtype=np.int64)
    use_table = table.shape[0] > 0
    total = 0
    for d in range(n):
        i = doubt[d]
        p = rows[i]
        lim = limit[i]
        found = 0
        for c in range(reach[i]):
            j = order[c]
            points = np.int64(values[i, j])
            if use_table:
                points = table[values[i, j]]
            if points < 0:
                continue
            gain = points + bonus - price[c]
            if gain <= lim:
                continue
            key = p * n_supporters + cols[j]
            at = np.searchsorted(known, key)
            if at < known.shape[0] and known[at] == key:
                continue
            # The row's best by gain; an equal gain goes after the ones already
            # there (cheaper first).
            found = _insert(best_gain, best_c, found, top_k, gain, c)
        for k in range(found):
            j = order[best_c[k]]
            out_i[total] = i
            out_j[total] = j
            out_points[total] = table[values[i, j]] if use_table else values[i, j]
            total += 1
    return out_i[:total], out_j[:total], out_points[:total]


@_jit
def _insert(best_v, best_i, found, k, v, i):
    """Put (v, i) into best_v[:found], kept highest first (a tie goes after what is there)
    and cut to k; returns how many are there now."""
    if found == k and v <= best_v[k - 1]:
        return found
    at = found if found < k else k - 1
    while at > 0 and best_v[at - 1] < v:
        if at < k:
            best_v[at] = best_v[at - 1]
            best_i[at] = best_i[at - 1]
        at -= 1
    best_v[at] = v
    best_i[at] = i
    return found + 1 if found < k else k


@_jit
def best_entries(values, k_row, k_col):
    """Each row's k_row and each column's k_col[j] highest non-negative entries of a block
    (ties: the first), and per row the k_row-th highest where the row has more than
    k_row non-negative entries (else -1). Returns rows and columns of the rows'
    picks, of the columns' picks, and those cuts."""
    n_rows, n_cols = values.shape
    k_max = 1
    for j in range(n_cols):
        k_max = max(k_max, k_col[j])
    col_v = np.empty((n_cols, k_max), dtype=np.int64)
    col_i = np.empty((n_cols, k_max), dtype=np.int64)
    col_found = np.zeros(n_cols, dtype=np.int64)
    row_v = np.empty(max(k_row, 1), dtype=np.int64)
    row_j = np.empty(max(k_row, 1), dtype=np.int64)
    rr = np.empty(n_rows * k_row, dtype=np.int64)
    rc = np.empty(n_rows * k_row, dtype=np.int64)
    cut = np.full(n_rows, -1, dtype=np.int64)
    n_r = 0
    for i in range(n_rows):
        found = 0
        count = 0
        for j in range(n_cols):
            v = values[i, j]
            if v < 0:
                continue
            count += 1
            found = _insert(row_v, row_j, found, k_row, v, j)
            col_found[j] = _insert(col_v[j], col_i[j], col_found[j], k_col[j], v, i)
        for f in range(found):
            rr[n_r] = i
            rc[n_r] = row_j[f]
            n_r += 1
        if count > k_row:
            cut[i] = row_v[k_row - 1]
    n_c = 0
    for j in range(n_cols):
        n_c += col_found[j]
    cr = np.empty(n_c, dtype=np.int64)
    cc = np.empty(n_c, dtype=np.int64)
    n = 0
    for j in range(n_cols):
        for f in range(col_found[j]):
            cr[n] = col_i[j, f]
            cc[n] = j
            n += 1
    return rr[:n_r], rc[:n_r], cr, cc, cut


@_jit
def settle_distances(d_p, d_s, up, us, uw, starts, mp, ms, mw, rounds, inf):
    """Shortest distances to the sink in a flow's residual graph, in place (Bellman-Ford
    on the bipartite graph; d_p and d_s start at each node's own arc to the sink).

    A participant reaches a supporter along an arc it does not use (up, us, at
    cost -uw; arcs sorted by participant, each participant's starting at
    ``starts``), a supporter a participant back along one it uses (ms to mp,
    at cost mw). True once nothing changes; False if still changing after
    ``rounds`` passes (a cycle of negative cost).
    """
    n_heads = starts.shape[0]
    n_up = up.shape[0]
    for _ in range(rounds):
        changed = False
        for k in range(n_heads):
            lo = starts[k]
            hi = starts[k + 1] if k + 1 < n_heads else n_up
            p = up[lo]
            best = d_p[p]
            for a in range(lo, hi):
                v = min(d_s[us[a]], inf) - uw[a]
                if v < best:
                    best = v
            if best < d_p[p]:
                d_p[p] = best
                changed = True
        for a in range(mp.shape[0]):
            v = mw[a] + d_p[mp[a]]
            if v < d_s[ms[a]]:
                d_s[ms[a]] = v
                changed = True
        if not changed:
            return True
    return False


@_jit
def cut(counts, k, passes):
    """For each line (a row or a column of a block), given how many of its entries have
    each rank (counts[line, rank]; every line has some): keep about k[line] of its best.

    Returns (level, jcut, pruned_top): keep rank > level, and rank == level with
    jitter < jcut (of 64); pruned_top is the highest rank a compatible entry that
    is not kept can have (0 if every compatible entry is kept). At most
    ``passes`` ranks below a line's best are taken whole.
    """
    n_lines, levels = counts.shape
    level = np.empty(n_lines, dtype=np.int64)
    jcut = np.empty(n_lines, dtype=np.int64)
    pruned_top = np.empty(n_lines, dtype=np.int64)
    for line in range(n_lines):
        v = levels - 1
        while v > 0 and counts[line, v] == 0:
            v -= 1
        above = 0
        at = counts[line, v]
        for _ in range(passes):
            if not (above + at < k[line] and v > 1):
                break
            above += at
            v -= 1
            at = counts[line, v]
        # All of the level if that is not too many, else the share of it needed.
        j = 64 if above + at <= k[line] else -(-64 * (k[line] - above) // max(at, 1))
        j = min(max(j, 0), 64)
        level[line] = v
        jcut[line] = j
        if v == 0:
            pruned_top[line] = 0
        else:
            pruned_top[line] = max(v if j < 64 else v - 1, 0)
    return level, jcut, pruned_top
