#!/usr/bin/env python
"""Questionnaire scoring throughput: ``score_many`` (numpy) against ``score`` one at a time.

A benchmark, not a test: it prints figures and exits 0 whether the aim
(1,000,000 responses/s vectorised) is met or not.

Generates 1,000,000 responses (seeded) spread over every instrument, with a few
CORE-10 responses missing one item. Times ``score_many`` over all of them, and
``score`` over a sample (50,000 by default) whose rate is extrapolated to the
full set (said so in the output). Also times the path an evaluation report
takes: answers as stored on responses (JSON lists, None for missing) decoded,
made into matrices and scored. Checks that both paths give identical totals,
metrics, bands and risk flags on the sample.

    .venv/bin/python bench/scoring.py
    .venv/bin/python bench/scoring.py --responses 200000 --sample 20000 --seed 7

See docs/measures.md.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from peercircle.measures import INSTRUMENTS, score, score_many


def generate(total: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = sorted(INSTRUMENTS)
    counts = np.bincount(rng.integers(0, len(codes), size=total), minlength=len(codes))
    matrices = {}
    for code, count in zip(codes, counts, strict=True):
        instrument = INSTRUMENTS[code]
        options = np.array([len(v) for v in instrument.option_values])
        matrix = (rng.random((int(count), instrument.items)) * options).astype(np.int8)
        if instrument.max_missing:
            # About one response in ten has one missing item.
            rows = np.flatnonzero(rng.random(int(count)) < 0.1)
            matrix[rows, rng.integers(0, instrument.items, size=rows.size)] = -1
        matrices[code] = matrix
    return matrices


def same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or a == b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    matrices = generate(args.responses, args.seed)
    total = sum(m.shape[0] for m in matrices.values())
    for code, matrix in matrices.items():  # warm the lookup tables
        score_many(code, matrix[:10])

    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        batches = {code: score_many(code, matrix) for code, matrix in matrices.items()}
        best = min(best, time.perf_counter() - started)
    vector_rate = total / best

    # As an evaluation report reads them: answers as stored on a response (a
    # JSON list per response, None for a missing answer), decoded and turned
    # into one matrix per instrument, then scored.
    stored = {
        code: json.dumps([[None if a == -1 else a for a in row] for row in m.tolist()])
        for code, m in matrices.items()
    }
    started = time.perf_counter()
    for code, text in stored.items():
        rows = json.loads(text)
        # None becomes NaN in a float array, then -1 (missing) in the int matrix.
        floats = np.array(rows, dtype=np.float64).reshape(len(rows), INSTRUMENTS[code].items)
        matrix = np.where(np.isnan(floats), -1, floats).astype(np.int64)
        from_stored = score_many(code, matrix)
        assert np.array_equal(from_stored.risk, batches[code].risk)
    stored_seconds = time.perf_counter() - started
    stored_rate = total / stored_seconds

    # The scalar path on a sample drawn in proportion from each instrument.
    share = min(1.0, args.sample / total)
    sample = {code: m[: max(1, round(m.shape[0] * share))] for code, m in matrices.items()}
    sample_lists = {
        code: [[None if a == -1 else a for a in row] for row in m.tolist()]
        for code, m in sample.items()
    }
    sampled = sum(len(rows) for rows in sample_lists.values())
    started = time.perf_counter()
    scalar = {code: [score(code, row) for row in rows] for code, rows in sample_lists.items()}
    scalar_seconds = time.perf_counter() - started
    scalar_rate = sampled / scalar_seconds

    mismatches = 0
    for code, results in scalar.items():
        batch = batches[code]
        for i, result in enumerate(results):
            ok = (
                same(result.total, float(batch.total[i]))
                and same(result.metric, float(batch.metric[i]))
                and result.band == batch.band[i]
                and result.risk == bool(batch.risk[i])
                and result == batch.result(i)
            )
            mismatches += not ok
    identical = mismatches == 0

    print(f"responses: {total:,} over {len(matrices)} instruments (seed {args.seed})")
    print(
        f"vectorised score_many: {best:.3f} s for all, {vector_rate:,.0f} responses/s (best of 3)"
    )
    print(
        f"one at a time score:   {scalar_seconds:.3f} s for a sample of {sampled:,}, "
        f"{scalar_rate:,.0f} responses/s; extrapolated to all: {total / scalar_rate:.1f} s"
    )
    print(
        f"from stored JSON answers: {stored_seconds:.3f} s for all (decode, matrix, score), "
        f"{stored_rate:,.0f} responses/s"
    )
    print(f"ratio vectorised / one at a time: {vector_rate / scalar_rate:,.1f}x")
    print(
        f"identical on the sample ({sampled:,} responses): {'yes' if identical else 'NO'}"
        + ("" if identical else f" ({mismatches} differ)")
    )
    aim = vector_rate >= 1_000_000
    print(f"aim >= 1,000,000 responses/s vectorised: {'PASS' if aim else 'MISS'}")
    print(
        "from stored answers >= 1,000,000 responses/s: "
        + ("PASS" if stored_rate >= 1_000_000 else "MISS (decoding JSON dominates)")
    )

    results_dir = Path(__file__).with_name("results")
    results_dir.mkdir(exist_ok=True)
    (results_dir / "scoring.json").write_text(
        json.dumps(
            {
                "responses": total,
                "seed": args.seed,
                "vectorised_per_s": vector_rate,
                "from_stored_json_per_s": stored_rate,
                "scalar_sample": sampled,
                "scalar_per_s": scalar_rate,
                "scalar_extrapolated": True,
                "ratio": vector_rate / scalar_rate,
                "identical_on_sample": identical,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
