"""Compiled loops for the matching engine's passes over every pair and every arc.

Scoring candidates (``rank_block``, ``cut``, ``kept``, ``best_entries``,
``best_per_column``) and checking left-out pairs (``improving``,
``settle_distances``) touch each of hundreds of millions of pairs or every arc
of each round's flow; as numpy expressions each pass over a block was a dozen
passes over memory. These loops (numba, compiled on first use and cached, see
``_jit``) do each in one, without the GIL, so the engine's threads share the
work. They compute exactly what the numpy they replaced did:
tests/matching/test_kernels.py compares each with a plain version on random
blocks. ``reoptimise`` mends a flow after pairs are added to its graph
(successive shortest paths) instead of solving again from nothing; its tests
compare the result with OR-Tools' optimum. See docs/matching.md.
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
def best_per_column(cols, keys, rows, k, n_cols):
    """Positions of each column's k[col] best entries (highest key first, then the lowest
    row), given as parallel arrays in any order; no (col, row) may come twice. The
    positions come column by column, each column's best first: what a sort on
    (col, key descending, row) then a cut to k[col] keeps, in one pass."""
    k_max = 1
    for j in range(n_cols):
        k_max = max(k_max, k[j])
    best = np.empty((n_cols, k_max), dtype=np.int64)  # positions, best first
    found = np.zeros(n_cols, dtype=np.int64)
    for e in range(cols.shape[0]):
        j = cols[e]
        kj = k[j]
        if kj <= 0:
            continue
        v = keys[e]
        r = rows[e]
        n = found[j]
        if n == kj:  # full: only an entry better than the last gets in
            last = best[j, kj - 1]
            if v < keys[last] or (v == keys[last] and r > rows[last]):
                continue
            at = kj - 1
        else:
            at = n
            found[j] = n + 1
        while at > 0:
            prev = best[j, at - 1]
            if keys[prev] > v or (keys[prev] == v and rows[prev] < r):
                break
            best[j, at] = prev
            at -= 1
        best[j, at] = e
    total = 0
    for j in range(n_cols):
        total += found[j]
    out = np.empty(total, dtype=np.int64)
    n = 0
    for j in range(n_cols):
        for f in range(found[j]):
            out[n] = best[j, f]
            n += 1
    return out


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


@_jit
def _push(heap_key, heap_node, size, key, node):
    """Put (key, node) on the binary heap of ``size`` entries; returns the new size."""
    i = size
    while i > 0:
        up = (i - 1) >> 1
        if heap_key[up] <= key:
            break
        heap_key[i] = heap_key[up]
        heap_node[i] = heap_node[up]
        i = up
    heap_key[i] = key
    heap_node[i] = node
    return size + 1


@_jit
def _pop(heap_key, heap_node, size):
    """Take the entry of least key off the heap: (key, node, new size)."""
    key = heap_key[0]
    node = heap_node[0]
    size -= 1
    last_key = heap_key[size]
    last_node = heap_node[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap_key[child + 1] < heap_key[child]:
            child += 1
        if heap_key[child] >= last_key:
            break
        heap_key[i] = heap_key[child]
        heap_node[i] = heap_node[child]
        i = child
    if size > 0:
        heap_key[i] = last_key
        heap_node[i] = last_node
    return key, node, size


@_jit
def reoptimise(
    n_p, n_s, ap, a_s, aw, p_start, s_arcs, s_start, used, places, base, load, d, inf, most, budget
):  # fmt: skip
    """Make a flow optimal again after pairs were added to its graph, starting from it
    (successive shortest paths; the solver has no warm start).

    The graph: each participant p supplies one unit, to a supporter along a
    pair arc (ap, a_s; cost -aw, capacity 1; sorted by participant, each
    participant's from ``p_start``, each supporter's listed in ``s_arcs`` from
    ``s_start``) or to the sink along its waiting arc (cost 0); supporter s
    passes up to places[s] units to the sink, the k-th at cost
    load * (base[s] + k). ``used`` (per arc, in place) is a flow that was optimal
    before the added arcs; ``d`` (per node: participants, supporters, the sink;
    in place) its shortest distances to the sink in the residual graph, ``inf``
    where none. Every arc but the added ones keeps a reduced cost
    c(u, v) + d[v] - d[u] >= 0 (only arcs out of participants can break it).

    Each participant with an arc that now breaks it lets go of its unit (its
    supporter, or the sink if it was waiting, is left owed one), its distance
    is set so its arcs are whole again, and its unit goes along the shortest
    path (Dijkstra on reduced costs) to the nearest node owed one; distances
    then move so every reduced cost stays >= 0. At the end no residual arc has
    a negative reduced cost: the flow is optimal.

    Two things keep the searches short. Among nodes as near as the one just
    settled, the latest reached comes first, so equal distances are followed
    down one path instead of all settled. And when the sink is settled, a
    search backwards from the nodes owed one looks for a path of reduced cost
    0 from it (``_tight_to_owed``): going forwards, the sink's arcs of reduced
    cost 0 reach thousands of nodes before one owed one.

    Returns False if the distances given do not hold for the rest of the
    graph, more than ``most`` participants would let go, a unit finds nowhere
    to go, or the searches did more than ``budget`` work (nodes settled, plus
    every node for each time the sink's arcs are gone through); ``used`` is
    then of no use and the caller solves from scratch.
    """
    sink = n_p + n_s
    n = sink + 1
    big = inf // 2
    matched_arc = np.full(n_p, -1, dtype=np.int64)
    taken = np.zeros(n_s, dtype=np.int64)
    for a in range(ap.shape[0]):
        if used[a]:
            if matched_arc[ap[a]] != -1:
                return False
            matched_arc[ap[a]] = a
            taken[a_s[a]] += 1
    # The reduced costs the added arcs cannot have broken must hold.
    for s in range(n_s):
        if taken[s] > places[s]:
            return False
        ds = d[n_p + s]
        if taken[s] < places[s] and load * (base[s] + taken[s]) + d[sink] - ds < 0:
            return False
        if taken[s] > 0 and -load * (base[s] + taken[s] - 1) + ds - d[sink] < 0:
            return False
    for p in range(n_p):
        a = matched_arc[p]
        if a == -1:
            if d[p] < big and d[p] - d[sink] < 0:
                return False
        elif aw[a] + d[p] - d[n_p + a_s[a]] < 0:
            return False
    # Let go of the units whose participants have an arc of negative reduced cost.
    owed = np.zeros(n, dtype=np.int64)
    excess = np.empty(n_p, dtype=np.int64)
    n_excess = 0
    released = np.zeros(n_p, dtype=np.bool_)
    for p in range(n_p):
        dp = d[p]
        broken = matched_arc[p] != -1 and d[sink] - dp < 0
        for a in range(p_start[p], p_start[p + 1]):
            if not used[a] and -aw[a] + d[n_p + a_s[a]] - dp < 0:
                broken = True
                break
        if not broken:
            continue
        a = matched_arc[p]
        if a == -1:
            owed[sink] += 1
        else:
            used[a] = False
            owed[n_p + a_s[a]] += 1
            matched_arc[p] = -1
        best = d[sink]
        for b in range(p_start[p], p_start[p + 1]):
            best = min(best, -aw[b] + d[n_p + a_s[b]])
        d[p] = best
        released[p] = True
        excess[n_excess] = p
        n_excess += 1
        if n_excess > most:
            return False
    # waiting[p]: p's unit is on its waiting arc (the sink can send it back).
    waiting = np.zeros(n_p, dtype=np.bool_)
    for p in range(n_p):
        waiting[p] = matched_arc[p] == -1 and not released[p]
    dist = np.full(n, inf, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    pred = np.full(n, -1, dtype=np.int64)
    pred_arc = np.full(n, -1, dtype=np.int64)
    seen = np.empty(n, dtype=np.int64)
    settled = np.empty(n, dtype=np.int64)
    heap_key = np.empty(ap.shape[0] + 3 * n + 1, dtype=np.int64)
    heap_node = np.empty(heap_key.shape[0], dtype=np.int64)
    stack = np.empty(heap_key.shape[0], dtype=np.int64)
    mark = np.zeros(n + 1, dtype=np.int64)  # for _tight_to_owed
    queue = np.empty(n, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    nxt_arc = np.full(n, -1, dtype=np.int64)
    # Arcs found from the node settled: head, pair arc (-1: none), reduced cost.
    out_v = np.empty(max(n, ap.shape[0]) + 1, dtype=np.int64)
    out_a = np.empty(out_v.shape[0], dtype=np.int64)
    out_rc = np.empty(out_v.shape[0], dtype=np.int64)
    work = 0
    for e in range(n_excess):
        source = excess[e]
        dist[source] = 0
        seen[0] = source
        n_seen = 1
        n_settled = 0
        size = _push(heap_key, heap_node, 0, 0, source)
        n_stack = 0
        target = -1
        shortcut = False
        reach = 0
        while size > 0 or n_stack > 0:
            # Nodes reached at no extra cost from the last settled come first, the
            # latest first: among equals that follows one path down to a node
            # owed one instead of settling every node as near as it.
            if n_stack > 0:
                n_stack -= 1
                u = stack[n_stack]
                k = dist[u]
            else:
                key, u, size = _pop(heap_key, heap_node, size)
                k = key >> 1  # the low bit puts a node owed one first among equals
            if done[u] or k > dist[u]:
                continue
            done[u] = True
            settled[n_settled] = u
            n_settled += 1
            if owed[u] > 0:
                target = u
                reach = k
                break
            if u == sink and _tight_to_owed(n_p, n_s, ap, a_s, aw, s_arcs, s_start, used,
                                            matched_arc, waiting, taken, base, load, d, owed,
                                            done, mark, queue, nxt, nxt_arc):  # fmt: skip
                # Nothing is nearer than the sink, and a path of reduced cost 0 leads on
                # from it to a node owed one: the rest of the path is that one.
                target = sink
                reach = k
                shortcut = True
                break
            du = d[u]
            m = 0
            if u < n_p:  # along an unused pair arc; along the waiting arc if free
                for a in range(p_start[u], p_start[u + 1]):
                    if not used[a]:
                        v = n_p + a_s[a]
                        out_v[m], out_a[m], out_rc[m] = v, a, -aw[a] + d[v] - du
                        m += 1
                if matched_arc[u] != -1 or released[u]:
                    out_v[m], out_a[m], out_rc[m] = sink, -1, d[sink] - du
                    m += 1
            elif u < sink:  # back along a used pair arc; to the sink if a place is free
                s = u - n_p
                for i in range(s_start[s], s_start[s + 1]):
                    a = s_arcs[i]
                    if used[a]:
                        v = ap[a]
                        out_v[m], out_a[m], out_rc[m] = v, a, aw[a] + d[v] - du
                        m += 1
                if taken[s] < places[s]:
                    c = load * (base[s] + taken[s])
                    out_v[m], out_a[m], out_rc[m] = sink, -1, c + d[sink] - du
                    m += 1
            else:  # back to a waiting participant; back along a supporter's last place
                work += n_p + n_s
                for v in range(n_p):
                    if waiting[v]:
                        out_v[m], out_a[m], out_rc[m] = v, -1, d[v] - du
                        m += 1
                for s in range(n_s):
                    if taken[s] > 0:
                        c = -load * (base[s] + taken[s] - 1)
                        out_v[m], out_a[m], out_rc[m] = n_p + s, -1, c + d[n_p + s] - du
                        m += 1
            for i in range(m):
                rc = out_rc[i]
                if rc >= big:  # into a node with no way to the sink
                    continue
                v = out_v[i]
                nd = k + rc
                if nd < dist[v]:
                    if dist[v] == inf:
                        seen[n_seen] = v
                        n_seen += 1
                    dist[v] = nd
                    pred[v] = u
                    pred_arc[v] = out_a[i]
                    if rc == 0:
                        if owed[v] > 0:  # nothing is nearer than the node just settled
                            target = v
                            reach = k
                            break
                        stack[n_stack] = v
                        n_stack += 1
                    else:
                        size = _push(heap_key, heap_node, size, 2 * nd + (owed[v] == 0), v)
            if target != -1:
                break
        work += n_settled
        if target == -1 or work > budget:
            return False
        v = target
        while v != source:
            _send(pred[v], v, pred_arc[v], n_p, sink, used, matched_arc, waiting, taken)
            v = pred[v]
        if shortcut:
            v = sink
            while owed[v] == 0:
                _send(v, nxt[v], nxt_arc[v], n_p, sink, used, matched_arc, waiting, taken)
                v = nxt[v]
            target = v
        released[source] = False
        owed[target] -= 1
        for i in range(n_settled):
            u = settled[i]
            if dist[u] < reach:
                d[u] += reach - dist[u]
        for i in range(n_seen):
            u = seen[i]
            dist[u] = inf
            done[u] = False
    return True


@_jit
def _tight_to_owed(n_p, n_s, ap, a_s, aw, s_arcs, s_start, used, matched_arc, waiting, taken,
                   base, load, d, owed, done, mark, queue, nxt, nxt_arc):  # fmt: skip
    """Whether a path of arcs of reduced cost 0 through nodes not yet settled (``done``)
    leads from the sink to a node owed one; if so nxt, nxt_arc hold it. Searched
    backwards from the nodes owed one (breadth first, each node once): from
    the sink forwards, as Dijkstra goes, the arcs of reduced cost 0 can reach
    thousands of nodes before one owed one. Settled nodes are left out: their
    distances are about to move, and the path to the sink runs through them."""
    sink = n_p + n_s
    mark[0] += 1  # this search's stamp; mark[v + 1] is v's
    stamp = mark[0]
    head = 0
    tail = 0
    for v in range(sink):
        if owed[v] > 0:
            mark[v + 1] = stamp
            queue[tail] = v
            tail += 1
    while head < tail:
        v = queue[head]
        head += 1
        dv = d[v]
        if v < n_p:  # from its supporter, or from the sink if it waits
            a = matched_arc[v]
            if a != -1:
                x = n_p + a_s[a]
                if aw[a] + dv - d[x] == 0 and mark[x + 1] != stamp and not done[x]:
                    mark[x + 1] = stamp
                    nxt[x] = v
                    nxt_arc[x] = a
                    queue[tail] = x
                    tail += 1
            elif waiting[v] and dv - d[sink] == 0:
                nxt[sink] = v
                nxt_arc[sink] = -1
                return True
        else:  # from a participant along an unused arc; from the sink if a place is taken
            s = v - n_p
            if taken[s] > 0 and -load * (base[s] + taken[s] - 1) + dv - d[sink] == 0:
                nxt[sink] = v
                nxt_arc[sink] = -1
                return True
            for i in range(s_start[s], s_start[s + 1]):
                a = s_arcs[i]
                x = ap[a]
                if not used[a] and -aw[a] + dv - d[x] == 0 and mark[x + 1] != stamp and not done[x]:
                    mark[x + 1] = stamp
                    nxt[x] = v
                    nxt_arc[x] = a
                    queue[tail] = x
                    tail += 1
    return False


@_jit
def _send(u, v, a, n_p, sink, used, matched_arc, waiting, taken):
    """One unit along the residual arc u -> v (pair arc a, or -1)."""
    if u < n_p:
        if v < sink:  # p -> s along a pair arc
            used[a] = True
            matched_arc[u] = a
        else:  # p -> sink: p waits
            waiting[u] = True
            matched_arc[u] = -1
    elif u < sink:
        if v < n_p:  # s -> p: p leaves s
            used[a] = False
            if matched_arc[v] == a:
                matched_arc[v] = -1
        else:  # s -> sink: one more place taken
            taken[u - n_p] += 1
    elif v < n_p:  # sink -> p: p stops waiting
        waiting[v] = False
    else:  # sink -> s: one place given back
        taken[v - n_p] -= 1
