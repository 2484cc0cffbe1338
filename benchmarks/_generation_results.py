"""The generation benchmark's results file and the table it is compared with: each step of
``benchmarks/generation.py`` merges its keys into ``results/generation.json`` (what earlier
steps wrote stays), and :data:`PUBLISHED` holds the WebNLG 2020 scores of the published
systems."""
from __future__ import annotations

import json
from pathlib import Path

from _common import RESULTS, SHARED, write_results

NAME = "generation"
OUT_DIR = RESULTS / NAME
WEBNLG = SHARED / "data" / "webnlg"

#: Published WebNLG 2020 scores (recomputed by ../shared/data/webnlg/README.md).
PUBLISHED = [("Amazon AI (Shanghai)", 53.98, 68.96), ("OSU Neural NLG", 53.52, 68.82),
             ("FBConvAI", 52.67, 68.63), ("bt5", 51.72, 67.90), ("TGen", 48.42, 63.62),
             ("CycleGT", 44.52, 63.69), ("FORGe2020 (rule-based baseline)", 40.40, 62.15),
             ("NILC", 31.98, 54.54)]


# ---------------------------------------------------------------------------------------
# results file: merged, so each step adds its keys to what earlier steps wrote
# ---------------------------------------------------------------------------------------
def load_results() -> dict:
    p = RESULTS / f"{NAME}.json"
    if p.exists():
        return json.loads(p.read_text())
    return {"metrics": {}}


def save_results(metrics: dict, extra: dict) -> Path:
    old = load_results()
    m = dict(old.get("metrics", {}))
    m.update(metrics)
    ex = {k: v for k, v in old.items() if k not in ("metrics", "machine", "when")}
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(ex.get(k), dict):
            ex[k] = {**ex[k], **v}
        else:
            ex[k] = v
    return write_results(NAME, m, ex)
