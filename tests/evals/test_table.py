"""evals/table.py: the README's validation table from the reports `make eval` writes."""

from __future__ import annotations

import json

from evals import table


def _system(**overall):
    return {"available": True, "overall": overall}


def _write(out, name, **systems):
    (out / name).mkdir(parents=True)
    doc = {"primary": "regkb", "systems": systems}
    (out / name / "metrics.json").write_text(json.dumps(doc), "utf-8")


def test_rows_name_each_figure_and_missing_sets_are_shown(tmp_path):
    regkb = _system(
        questions=20,
        **{"recall@5": 0.75, "strict_recall@5": 0.5, "gold_recall@5": 0.625, "mrr@10": 0.6},
        refusal_accuracy=2 / 3,
        n_refusal_accuracy=3,
        false_refusal_rate=0.0588,
    )
    off = _system(**{"recall@5": 0.7})
    peer = _system(**{"recall@5": 0.4, "mrr@10": 0.3})
    _write(tmp_path, "stard-val", regkb=regkb, **{"regkb-curated-off": off, "china-law-mcp": peer})
    oos = _system(questions=16, refusal_accuracy=1.0, n_refusal_accuracy=16, false_refusal_rate=None)
    oos_off = _system(refusal_accuracy=0.8125, n_refusal_accuracy=16)
    _write(tmp_path, "out_of_scope-val", regkb=oos, **{"regkb-curated-off": oos_off})
    lines = table.table(tmp_path)
    assert "hit@5 (gold ∪ acceptable)" in lines[0] and "first-gold hit@5 (strict)" in lines[0]
    assert lines[1].count("|---") == lines[0].count(" | ") + 1  # one separator per column
    assert (
        lines[2]
        == "| STARD corpus (20) | 0.750 | 0.500 | 0.625 | 0.600 | 2/3 | 5.9% | 0.700 | 0.400 / 0.300 |"
    )
    assert lines[4] == "| out of scope (16) | — | — | — | — | 16/16 | — | (13/16 refused) | — |"
    missing = [line for line in lines if "missing" in line]
    assert len(missing) == 5 and "internal-val/metrics.json" in missing[0]  # never silently dropped
    assert "permission-val/metrics.json" in missing[-1]
