"""The compiled loops (peercircle.matching.kernels) against the plain numpy and Python they
stand for, on random blocks. Pure: no database."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from peercircle.matching import Participant, Preference, Supporter, Weights, engine, kernels

pytestmark = pytest.mark.pure

TAGS = [f"tag{i}" for i in range(70)]  # more than 64: two words per bitset
GENDERS = ["woman", "man", "non_binary"]
SLOTS = ["mon-morning", "tue-evening", "wed-afternoon", "sat-morning", "sun-evening"]


def _records(rng: np.random.Generator, n_p: int, n_s: int) -> tuple[list, list]:
    def some(items, most):
        return set(rng.choice(items, size=rng.integers(0, most + 1), replace=False))

    people = []
    for i in range(n_p):
        prefs = []
        if rng.random() < 0.5:
            for _ in range(rng.integers(1, 3)):
                kind = "tag" if rng.random() < 0.6 else "gender"
                value = str(rng.choice(TAGS[:6] if kind == "tag" else GENDERS))
                prefs.append(Preference(kind, value, "must" if rng.random() < 0.3 else "nice"))
        people.append(Participant(
            id=f"p{i}", languages={"en"}, slots=some(SLOTS, 3) or {"tue-evening"},
            formats={"online"}, tags=some(TAGS[:6], 3) | some(TAGS, 2), preferences=prefs,
            exclusions={f"s{j}" for j in range(n_s) if rng.random() < 0.05},
        ))  # fmt: skip
    helpers = [
        Supporter(
            id=f"s{j}", languages={"en"}, slots=some(SLOTS, 4) or {"sun-evening"},
            formats={"online"}, places=1,
            tags=set(TAGS) if j == 0 else some(TAGS[:6], 3) | some(TAGS, 3),
            gender=None if rng.random() < 0.2 else str(rng.choice(GENDERS)),
        )
        for j in range(n_s)
    ]  # fmt: skip
    return people, helpers


@pytest.mark.parametrize("seed", range(6))
def test_ranks_and_their_counts_are_the_models(seed):
    rng = np.random.default_rng(seed)
    people, helpers = _records(rng, 40, 30)
    enc = engine._Encoded(people, helpers)
    assert enc.WT == 2 and enc.excl.size
    weights = Weights() if seed % 2 else Weights(nice_preference=0.0)
    model = engine._Model(enc, engine._Points.of(weights))
    cols = np.sort(rng.choice(enc.S, size=25, replace=False)).astype(np.int64)
    for prefs in (True, False):
        rows = np.flatnonzero(enc.p_prefs == prefs).astype(np.int64)
        levels = model.points_by_rank.size
        rank, by_row, by_col = model.ranks(rows, cols, prefs)  # kernels.rank_block
        expected = model.rank_by_code[model.codes(rows[:, None], cols[None, :], prefs=prefs)]
        expected[enc.excluded(rows[:, None], cols[None, :])] = 0
        np.testing.assert_array_equal(rank, expected)
        assert (expected > 0).any() and (expected == 0).any()
        for i in range(rows.size):
            np.testing.assert_array_equal(by_row[i], np.bincount(expected[i], minlength=levels))
        for j in range(cols.size):
            np.testing.assert_array_equal(
                by_col[:, j], np.bincount(expected[:, j], minlength=levels)
            )


@pytest.mark.parametrize("seed", range(6))
def test_kept_entries_are_the_cuts(seed):
    rng = np.random.default_rng(seed)
    rank = rng.integers(0, 6, size=(30, 50)).astype(np.uint8)
    table, offsets = engine._jitter(np.arange(30, dtype=np.int64) * 7, 50)
    jitter = table[offsets[:, None] + np.arange(50)[None, :]]
    r_level, r_jcut = rng.integers(0, 6, 30), rng.integers(0, 65, 30)
    c_level, c_jcut = rng.integers(0, 6, 50), rng.integers(0, 65, 50)
    levels = np.arange(6)
    by_row = (rank[:, :, None] == levels).sum(axis=1)
    by_col = (rank[:, :, None] == levels).sum(axis=0).T
    rr, rc, cr, cc = kernels.kept(
        rank, table, offsets, r_level, r_jcut, c_level, c_jcut, by_row, by_col
    )
    for (i, j), level, jcut in (((rr, rc), r_level[:, None], r_jcut[:, None]),
                                ((cr, cc), c_level[None, :], c_jcut[None, :])):  # fmt: skip
        keep = (rank > level) | ((rank == level) & (jitter < jcut))
        keep &= rank > 0
        expected_i, expected_j = np.nonzero(keep)
        np.testing.assert_array_equal(i, expected_i)
        np.testing.assert_array_equal(j, expected_j)


def _improving_by_hand(doubt, reach, order, price, values, table, bonus, limit, rows, cols,
                       known, n_supporters, top_k):  # fmt: skip
    out = []
    for i in doubt:
        found = []
        for c in range(reach[i]):
            j = order[c]
            points = int(table[values[i, j]]) if table.size else int(values[i, j])
            gain = points + bonus - int(price[c])
            key = int(rows[i]) * n_supporters + int(cols[j])
            if points >= 0 and gain > limit[i] and key not in set(known.tolist()):
                found.append((-gain, c, i, j, points))
        out.extend((i, j, points) for _, _, i, j, points in sorted(found)[:top_k])
    return out


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("ranked", [True, False])
def test_improving_pairs_are_a_plain_scans(seed, ranked):
    rng = np.random.default_rng(seed)
    n_rows, n_cols, n_supporters = 25, 40, 60
    rows = np.sort(rng.choice(100, n_rows, replace=False)).astype(np.int64)
    cols = np.sort(rng.choice(n_supporters, n_cols, replace=False)).astype(np.int64)
    if ranked:  # ranks into a table of points; rank 0 is not compatible
        table = np.array([-1, 100, 150, 200, 250, 300], dtype=np.int64)
        values = rng.integers(0, 6, size=(n_rows, n_cols)).astype(np.uint8)
    else:  # points with distance; -1 is not compatible
        table = np.zeros(0, dtype=np.int64)
        values = rng.choice([-1, 120, 180, 180, 240, 275], size=(n_rows, n_cols))
    price = np.sort(rng.integers(0, 200, n_cols)).astype(np.int64)  # many ties
    order = rng.permutation(n_cols).astype(np.int64)
    reach = rng.integers(0, n_cols + 1, n_rows).astype(np.int64)
    doubt = np.flatnonzero(reach > 0).astype(np.int64)
    limit = rng.integers(-50, 150, n_rows).astype(np.int64)
    keys = rows[:, None] * n_supporters + cols[None, :]
    known = np.sort(rng.choice(keys.ravel(), 200, replace=False)).astype(np.int64)
    args = (doubt, reach, order, price, values, table, 20, limit, rows, cols, known,
            n_supporters, 3)  # fmt: skip
    i, j, points = kernels.improving(*args)
    got = list(zip(i.tolist(), j.tolist(), points.tolist(), strict=True))
    expected = _improving_by_hand(*args)
    assert got == expected
    assert len(expected) > 10


@pytest.mark.parametrize("seed", range(8))
def test_best_entries_are_each_lines_highest_first_come_first(seed):
    rng = np.random.default_rng(seed)
    values = rng.choice([-1, -1, 100, 150, 150, 200, 260], size=(30, 20)).astype(np.int64)
    values[:8, 3:] = -1  # rows with fewer than k_row to choose from
    values[8] = -1
    values[8, :4] = [100, 150, 150, 200]  # exactly k_row: none left out
    k_row, k_col = 4, rng.integers(1, 6, 20)
    rr, rc, cr, cc, cut = kernels.best_entries(values, k_row, k_col)

    def best(line, k):  # positions by value, highest first, then by position
        found = sorted((-v, at) for at, v in enumerate(line) if v >= 0)
        return {at for _, at in found[:k]}, (-found[k - 1][0] if len(found) > k else -1)

    for i in range(30):
        picks, expected_cut = best(values[i], k_row)
        assert set(rc[rr == i].tolist()) == picks
        assert cut[i] == expected_cut
    for j in range(20):
        assert set(cr[cc == j].tolist()) == best(values[:, j], k_col[j])[0]
    assert (cut > 0).any() and (cut == -1).any()


@pytest.mark.parametrize("seed", range(8))
def test_best_per_column_keeps_each_columns_highest_then_lowest_row(seed):
    rng = np.random.default_rng(seed)
    n_cols, n_rows = 12, 40
    pairs = rng.permutation(n_cols * n_rows)[: rng.integers(50, 300)]  # each pair once
    cols, rows = pairs // n_rows, pairs % n_rows
    keys = rng.choice([3, 5, 5, 5, 8, 9], size=pairs.size).astype(np.int64)  # many ties
    k = rng.integers(0, 7, n_cols)
    k[0] = 50  # more than the column has: all of it
    got = kernels.best_per_column(cols, keys, rows, k, n_cols)
    # The sort it stands for: by column, key highest first, row lowest first; cut to k.
    order = np.lexsort((rows, -keys, cols))
    first = np.searchsorted(cols[order], cols[order])
    expected = order[(np.arange(order.size) - first) < k[cols[order]]]
    assert got.tolist() == expected.tolist()
    assert 0 < got.size < pairs.size


@pytest.mark.parametrize("seed", range(8))
def test_merging_sorted_arcs_gives_what_union_gives(seed):
    rng = np.random.default_rng(seed)
    S = 9

    def arcs(n):  # sorted and unique, as union leaves them; some in person
        keys = np.sort(rng.choice(60 * S, size=n, replace=False))
        # A pair met in person is always the same distance apart.
        metres = np.where(rng.random(n) < 0.5, keys * 7 % 9000, -1)
        return engine._Arcs(keys // S, keys % S, rng.integers(1, 4, n) * 10, metres)

    graph, added = arcs(int(rng.integers(0, 200))), arcs(int(rng.integers(0, 60)))
    if seed == 0:  # a pair in both, online in the graph, in person and scoring more added
        added = engine._Arcs(graph.p[:1], graph.s[:1], graph.score[:1] + 5, np.array([10]))
        graph.metres[0] = -1
    got = graph.merged(added, S)
    expected = engine._Arcs.union([graph, added], S)
    for name in ("p", "s", "score", "metres"):
        assert getattr(got, name).tolist() == getattr(expected, name).tolist(), name
    assert got.p.size >= graph.p.size


def _distances_by_hand(d_p, d_s, up, us, uw, mp, ms, mw, rounds):
    """Bellman-Ford as plain passes over every arc (the vectorised form it replaced)."""
    d_p, d_s = d_p.copy(), d_s.copy()
    for _ in range(rounds):
        new_p, new_s = d_p.copy(), d_s.copy()
        for p, s, w in zip(up, us, uw, strict=True):
            new_p[p] = min(new_p[p], min(d_s[s], engine.INF) - w)
        for p, s, w in zip(mp, ms, mw, strict=True):
            new_s[s] = min(new_s[s], w + new_p[p])
        if np.array_equal(new_p, d_p) and np.array_equal(new_s, d_s):
            return d_p, d_s
        d_p, d_s = new_p, new_s
    return None


def _settle(seed):
    rng = np.random.default_rng(seed)
    n_p, n_s = 12, 5
    # A random assignment (each participant uses at most one arc) and arcs it does not use.
    mp = np.sort(rng.choice(n_p, 7, replace=False)).astype(np.int64)
    ms = rng.integers(0, n_s, mp.size).astype(np.int64)
    keys = np.unique(rng.integers(0, n_p * n_s, 30))
    keys = keys[~np.isin(keys, mp * n_s + ms)]
    up, us = keys // n_s, keys % n_s
    # Weights that make the assignment optimal or not (a cycle of negative cost).
    uw = rng.integers(0, 60 if seed % 2 else 200, up.size).astype(np.int64)
    mw = rng.integers(50, 150, mp.size).astype(np.int64)
    d_p = np.where(np.isin(np.arange(n_p), mp), 0, engine.INF).astype(np.int64)
    d_s = np.where(rng.random(n_s) < 0.7, rng.integers(0, 100, n_s), engine.INF).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, up[1:] != up[:-1]])
    expected = _distances_by_hand(d_p, d_s, up, us, uw, mp, ms, mw, n_p + n_s + 2)
    settled = kernels.settle_distances(
        d_p, d_s, up, us, uw, starts, mp, ms, mw, n_p + n_s + 2, engine.INF
    )
    return settled, expected, d_p, d_s


@pytest.mark.parametrize("seed", range(10))
def test_settled_distances_are_bellman_fords(seed):
    settled, expected, d_p, d_s = _settle(seed)
    assert settled == (expected is not None)
    if expected is not None:
        np.testing.assert_array_equal(d_p, expected[0])
        np.testing.assert_array_equal(d_s, expected[1])


def test_distances_cases_include_a_negative_cycle_and_settled_flows():
    assert {_settle(seed)[0] for seed in range(10)} == {True, False}


def _cut_by_hand(counts, k, passes):
    """The cut as numpy passes over every line at once (the form it replaced)."""
    lines = np.arange(counts.shape[0])
    level = (counts.shape[1] - 1 - np.argmax(counts[:, ::-1] > 0, axis=1)).astype(np.int64)
    above = np.zeros(level.shape, dtype=np.int64)
    at = counts[lines, level]
    for _ in range(passes):
        short = (above + at < k) & (level > 1)
        if not short.any():
            break
        above = np.where(short, above + at, above)
        level = np.where(short, level - 1, level)
        at = counts[lines, level]
    jcut = np.where(above + at <= k, 64, -(-64 * (k - above) // np.maximum(at, 1)))
    jcut = np.clip(jcut, 0, 64)
    pruned_top = np.where(jcut < 64, level, level - 1)
    pruned_top = np.where(level == 0, 0, np.maximum(pruned_top, 0))
    return level, jcut, pruned_top


@pytest.mark.parametrize("seed", range(8))
def test_cut_levels_are_the_numpy_passes(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 4, size=(60, 8)) * (rng.random((60, 8)) < 0.5)
    counts[:, 0] += 1  # every line has entries (some only incompatible ones)
    counts[:5, 1:] = 0
    k = rng.integers(1, 12, 60)
    for passes in (1, 6):
        got = kernels.cut(counts, k, passes)
        expected = _cut_by_hand(counts, k, passes)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
    level, jcut, _ = got
    assert (jcut < 64).any() and (jcut == 64).any() and (level == 0).any() and (level > 1).any()


# One participant and one supporter who fit, as code for a fresh Python process.
_ONE_PAIR = (
    "from peercircle.matching import Participant, Supporter, match\n"
    "p = [Participant(id='p', languages={'en'}, slots={'tue-evening'}, formats={'online'})]\n"
    "s = [Supporter(id='s', languages={'en'}, slots={'tue-evening'}, formats={'online'},"
    " places=1)]\n"
)


def test_matching_works_where_no_cache_can_be_written():
    # Numba finds no place for its cache (as in a read-only install and home):
    # the loops compile in memory instead of failing at import.
    code = _ONE_PAIR + "print(len(match(p, s).pairs))\n"
    env = {**os.environ, "NUMBA_CACHE_LOCATOR_CLASSES": "numba.core.caching.ZipCacheLocator"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_a_forked_process_matches_with_threads_of_its_own():
    # The threads are started once per process; a child forked after the parent
    # matched (a server's workers) has none of them and must start its own.
    code = _ONE_PAIR + (
        "import multiprocessing\n"
        "def child():\n"
        "    assert len(match(p, s).pairs) == 1\n"
        "if __name__ == '__main__':\n"
        "    assert len(match(p, s).pairs) == 1\n"
        "    worker = multiprocessing.get_context('fork').Process(target=child)\n"
        "    worker.start()\n"
        "    worker.join(60)\n"
        "    print('child exit', worker.exitcode)\n"
        "    worker.kill()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "child exit 0"


# --- mending a flow after pairs are added (reoptimise) ---------------------------------------


def _flow_programme(rng):
    """A random flow graph as the engine builds it: pair arcs sorted by participant, the
    supporters' places (some none), caseloads and load."""
    n_p, n_s = int(rng.integers(4, 40)), int(rng.integers(2, 12))
    keys = np.unique(rng.integers(0, n_p * n_s, int(rng.integers(n_p, 3 * n_p))))
    p, s = (keys // n_s).astype(np.int64), (keys % n_s).astype(np.int64)
    weight = rng.integers(1, 120, p.size).astype(np.int64)
    places = rng.integers(0, 4, n_s).astype(np.int64)
    base = rng.integers(0, 3, n_s).astype(np.int64)
    load = int(rng.choice([0, 7, 30]))
    return n_p, n_s, p, s, weight, places, base, load


def _cost(p, s, weight, used, places, base, load):
    taken = np.bincount(s[used], minlength=places.size)
    assert (taken <= places).all()
    assert np.bincount(p[used]).max(initial=0) <= 1
    slots = sum(load * (int(b) + k) for b, n in zip(base, taken, strict=True) for k in range(n))
    return -int(weight[used].sum()) + slots


def _optimum(n_p, n_s, p, s, weight, places, base, load):
    """The least cost by OR-Tools, every place an arc of its own: the independent answer."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    flow = SimpleMinCostFlow()
    sink = n_p + n_s
    for a in range(p.size):
        flow.add_arc_with_capacity_and_unit_cost(int(p[a]), n_p + int(s[a]), 1, -int(weight[a]))
    for j in range(n_s):
        for k in range(int(places[j])):
            flow.add_arc_with_capacity_and_unit_cost(n_p + j, sink, 1, load * (int(base[j]) + k))
    for i in range(n_p):
        flow.add_arc_with_capacity_and_unit_cost(i, sink, 1, 0)
        flow.set_node_supply(i, 1)
    flow.set_node_supply(sink, -n_p)
    assert flow.solve() == SimpleMinCostFlow.OPTIMAL
    used = np.array([flow.flow(a) > 0 for a in range(p.size)], dtype=bool)
    return flow.optimal_cost(), used


def _residual_arcs(n_p, n_s, p, s, weight, used, places, base, load):
    """The flow's residual graph as (tail, head, cost)."""
    sink = n_p + n_s
    taken = np.bincount(s[used], minlength=n_s)
    matched = np.zeros(n_p, dtype=bool)
    matched[p[used]] = True
    arcs = []
    for a in range(p.size):
        u, v = int(p[a]), n_p + int(s[a])
        arcs.append((v, u, int(weight[a])) if used[a] else (u, v, -int(weight[a])))
    for i in range(n_p):
        arcs.append((i, sink, 0) if matched[i] else (sink, i, 0))
    for j in range(n_s):
        if taken[j] < places[j]:
            arcs.append((n_p + j, sink, load * (int(base[j]) + int(taken[j]))))
        if taken[j] > 0:
            arcs.append((sink, n_p + j, -load * (int(base[j]) + int(taken[j]) - 1)))
    return arcs


def _residual_distances(n_p, n_s, p, s, weight, used, places, base, load):
    """Shortest distances to the sink in the flow's residual graph: Bellman-Ford by hand over
    a list of arcs (INF where the sink cannot be reached)."""
    sink, inf = n_p + n_s, engine.INF
    arcs = _residual_arcs(n_p, n_s, p, s, weight, used, places, base, load)
    d = [inf] * (sink + 1)
    d[sink] = 0
    for _ in range(sink + 1):
        for u, v, c in arcs:
            if d[v] < inf and c + d[v] < d[u]:
                d[u] = c + d[v]
    return np.array(d, dtype=np.int64)


def _reoptimise(n_p, n_s, p, s, weight, used, places, base, load, d, most, budget):
    """kernels.reoptimise on arcs sorted by participant, each supporter's listed."""
    s_arcs = np.argsort(s, kind="stable")
    return kernels.reoptimise(
        n_p, n_s, p, s, weight, np.searchsorted(p, np.arange(n_p + 1)), s_arcs,
        np.searchsorted(s[s_arcs], np.arange(n_s + 1)), used, places, base, load, d, engine.INF,
        most, budget,
    )  # fmt: skip


def _mend(rng, budget=10**9, most=10**9):
    """An optimal flow on some of a programme's arcs, the rest added, and reoptimise's answer
    on all of them beside the optimum's cost."""
    n_p, n_s, p, s, weight, places, base, load = _flow_programme(rng)
    before = rng.random(p.size) < 0.5
    _, used_before = _optimum(n_p, n_s, p[before], s[before], weight[before], places, base, load)
    used = np.zeros(p.size, dtype=bool)
    used[np.flatnonzero(before)[used_before]] = True
    d = _residual_distances(n_p, n_s, p[before], s[before], weight[before], used_before, places,
                            base, load)  # fmt: skip
    ok = _reoptimise(n_p, n_s, p, s, weight, used, places, base, load, d, most, budget)
    best, _ = _optimum(n_p, n_s, p, s, weight, places, base, load)
    return ok, used, best, (n_p, n_s, p, s, weight, places, base, load, used_before, before, d)


@pytest.mark.parametrize("seed", range(120))
def test_mended_flow_is_the_optimum_on_every_arc(seed):
    ok, used, best, (n_p, n_s, p, s, weight, places, base, load, *_, d) = _mend(
        np.random.default_rng(seed)
    )
    assert ok
    assert _cost(p, s, weight, used, places, base, load) == best
    # The distances it leaves prove it: no arc of the residual graph has a negative
    # reduced cost (arcs into nodes that cannot reach the sink aside).
    for u, v, c in _residual_arcs(n_p, n_s, p, s, weight, used, places, base, load):
        if d[v] < engine.INF // 2:
            assert c + d[v] - d[u] >= 0, (u, v)


def test_mending_cases_change_the_flow():
    # The added arcs improve the flow in most programmes above, not just leave it be.
    changed = 0
    for seed in range(60):
        ok, used, _, (*_, used_before, before, _) = _mend(np.random.default_rng(seed))
        changed += not np.array_equal(used[before], used_before) or used[~before].any()
    assert changed >= 30


def test_mending_gives_up_on_distances_that_do_not_hold_or_too_much_work():
    # Seed 0 has work to do (its flow changes); with no budget, or no one allowed
    # to let go, it is refused.
    ok, used, _, (*_, used_before, before, _) = _mend(np.random.default_rng(0))
    assert ok
    assert not np.array_equal(used[before], used_before) or used[~before].any()
    assert not _mend(np.random.default_rng(0), budget=0)[0]
    assert not _mend(np.random.default_rng(0), most=0)[0]
    # Distances that break an arc the flow already had: refused before anything moves.
    n_p, n_s, p, s, weight, places, base, load = _flow_programme(np.random.default_rng(5))
    _, used = _optimum(n_p, n_s, p, s, weight, places, base, load)
    d = _residual_distances(n_p, n_s, p, s, weight, used, places, base, load)
    d[n_p : n_p + n_s] += 1000  # every supporter far dearer than its free place says
    assert places.any()
    assert not _reoptimise(n_p, n_s, p, s, weight, used.copy(), places, base, load, d, 10**9, 10**9)
