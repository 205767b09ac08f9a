"""Leave-one-set-out figures for the parser's learned parts.

    .venv/bin/python scripts/nlu_cv.py [SET ...]

For each of the team's labelled sets, the two learned models (category and the actionable
second opinion) are rebuilt without that set's texts and the parser is scored on it: how
the learned parts do on wording they never saw. (The rules were written with these sets in
view, so the figures flatter the rules; they are for comparing model changes.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.nlu import model as model_mod  # noqa: E402
from handlers.nlu import second_opinion as so  # noqa: E402
from handlers.nlu.evaluate import load, score  # noqa: E402
from handlers.nlu.parser import Parser  # noqa: E402

DATA = ROOT / "tests" / "data"
DEFAULT = ["nlu_train_c", "nlu_train_d", "nlu_train_e", "nlu_train_f", "nlu_train_g",
           "nlu_train_h", "nlu_train_i", "nlu_train_j", "nlu_train_k", "nlu_train_l", "nlu_train_m", "nlu_train_n", "nlu_train_o", "nlu_train_p", "nlu_train_q", "nlu_train_r", "nlu_train_s", "nlu_train_t", "nlu_train_u", "nlu_train_v", "nlu_unseen_a", "nlu_kinds_b", "nlu_extra"]
SHOW = ["actionable_f1", "chat_false_ticket_rate", "category_acc", "intent_macro_f1",
        "urgent_recall", "location_em_located"]


def read_examples(name: str) -> list[dict]:
    path = ROOT / "handlers" / "nlu" / "data" / name
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def parser_without(texts: set[str]) -> Parser:
    intents = [r for r in read_examples("intent_examples.jsonl") if r["text"] not in texts]
    cats = [r for r in read_examples("category_examples.jsonl") if r["text"] not in texts]
    p = Parser()
    p.second.model = so.train_actionable(intents)
    words = p.lexicon.category_words
    p.scorer.model = model_mod.train_category(cats, words)
    return p


def main(names: list[str]) -> None:
    totals: dict[str, list[float]] = {k: [] for k in SHOW}
    print(f"{'set':16s} " + " ".join(f"{k[:12]:>12s}" for k in SHOW))
    for name in names:
        gold = load(DATA / f"{name}.jsonl")
        p = parser_without({g["text"] for g in gold})
        m = score(gold, [p.parse(g["text"]).contract() for g in gold])
        for k in SHOW:
            totals[k].append(m[k])
        print(f"{name:16s} " + " ".join(f"{m[k]:12.3f}" for k in SHOW))
    print(f"{'mean':16s} " + " ".join(f"{sum(v) / len(v):12.3f}" for v in totals.values()))


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT)
