"""Retrain the learned second opinion of risk screening (model.py) from the
development sets and write model.json; ``--check`` trains and compares instead.

    .venv/bin/python -m peercircle.safety.screening.train
    .venv/bin/python -m peercircle.safety.screening.train --check

See docs/screening.md ("The learned second opinion").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from peercircle.safety.screening.model import DATA, MODEL_PATH, TRAINING_SETS, train


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="train and compare, write nothing")
    args = parser.parse_args(argv)
    data, figures = train(DATA / name for name in TRAINING_SETS)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    print(
        f"trained on {int(figures['messages'])} development messages; threshold "
        f"{figures['threshold']:.3f} ({data['strict_threshold']:.3f} where a rule match was "
        "cancelled); cross-validated recall on high and imminent "
        f"{figures['cv_recall_high_imminent']:.3f} at {figures['cv_false_alarms_none_low']:.3f} "
        "false alarms on none and low (the model alone)"
    )
    if args.check:
        same = MODEL_PATH.exists() and MODEL_PATH.read_text(encoding="utf-8") == text
        print("model.json is " + ("up to date" if same else "OUT OF DATE"))
        return 0 if same else 1
    MODEL_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
