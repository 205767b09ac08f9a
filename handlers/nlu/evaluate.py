"""Scoring of parser output against a labelled JSONL file.

The definitions are those of ../shared/nlu/score.py (copied, so nothing outside the
package is imported at run time); FLOORS are issue 4's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

ACTIONABLE = {"report", "need", "offer"}

# figure -> (floor, True when higher is better)
FLOORS = {
    "actionable_f1": (0.93, True),
    "chat_false_ticket_rate": (0.03, False),
    "category_acc": (0.88, True),
    "location_em_located": (0.98, True),
    "room_em": (0.98, True),
    "urgent_recall": (0.90, True),
    "urgent_precision": (0.80, True),
    "ticket_acc": (0.97, True),
    "intent_macro_f1": (0.85, True),
}


def load(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def digits(v) -> str | None:
    if v is None:
        return None
    d = re.sub(r"\D", "", str(v))
    return d or None


def f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _prf(pairs: Iterable[tuple[bool, bool]]) -> tuple[float, float, float]:
    pairs = list(pairs)
    tp = sum(g and p for g, p in pairs)
    fp = sum(p and not g for g, p in pairs)
    fn = sum(g and not p for g, p in pairs)
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return pr, rc, f1(pr, rc)


def _loc(r: dict) -> tuple:
    return digits(r.get("building")), digits(r.get("unit"))


def score(gold: list[dict], pred: list[dict]) -> dict[str, float]:
    assert len(gold) == len(pred), f"{len(gold)} gold lines but {len(pred)} predictions"
    n, gp = len(gold), list(zip(gold, pred, strict=True))
    m = {"intent_acc": sum(g["intent"] == p.get("intent") for g, p in gp) / n}
    intents = sorted({g["intent"] for g in gold})
    m["intent_macro_f1"] = sum(
        _prf((g["intent"] == it, p.get("intent") == it) for g, p in gp)[2] for it in intents
    ) / len(intents)
    pr, rc, f = _prf((g["intent"] in ACTIONABLE, p.get("intent") in ACTIONABLE) for g, p in gp)
    m["actionable_precision"], m["actionable_recall"], m["actionable_f1"] = pr, rc, f
    chats = [p for g, p in gp if g["intent"] == "chat"]
    m["chat_false_ticket_rate"] = sum(p.get("intent") in ACTIONABLE for p in chats) / max(1, len(chats))
    cats = [(g, p) for g, p in gp if g["intent"] in ("report", "need") and g.get("category")]
    m["category_acc"] = sum(
        p.get("category") == g["category"] or p.get("category") in (g.get("also") or [])
        for g, p in cats) / max(1, len(cats))
    m["location_em"] = sum(_loc(g) == _loc(p) for g, p in gp) / n
    located = [(g, p) for g, p in gp if g.get("building") or g.get("unit")]
    m["location_em_located"] = sum(_loc(g) == _loc(p) for g, p in located) / max(1, len(located))
    m["room_em"] = sum(digits(g.get("room")) == digits(p.get("room")) for g, p in gp) / n
    urg = [p for g, p in gp if g.get("urgent")]
    m["urgent_recall"] = sum(bool(p.get("urgent")) for p in urg) / max(1, len(urg))
    pu = [g for g, p in gp if p.get("urgent")]
    m["urgent_precision"] = sum(bool(g.get("urgent")) for g in pu) / max(1, len(pu))
    m["ticket_acc"] = sum(g.get("ticket") == p.get("ticket") for g, p in gp) / n
    return m


def failures(m: dict[str, float]) -> list[str]:
    """Names of the figures below (or, for rates, above) their floor."""
    return [k for k, (floor, up) in FLOORS.items() if (m[k] < floor if up else m[k] > floor)]


def report_lines(m: dict[str, float]) -> list[str]:
    lines = []
    for k, v in m.items():
        if k in FLOORS:
            floor, up = FLOORS[k]
            ok = v >= floor if up else v <= floor
            lines.append(f"{k:24s} {v:.3f}  floor {'≥' if up else '≤'} {floor:.2f}  "
                         f"{'PASS' if ok else 'FAIL'}")
        else:
            lines.append(f"{k:24s} {v:.3f}")
    return lines
