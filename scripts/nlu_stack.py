"""Train the parser's stacked decision (handlers/nlu/data/stack.json) from the team's sets.

    .venv/bin/python scripts/nlu_stack.py

For every set the examples come from (scripts/nlu_examples.py: never the shared dev set
nor the unseen sets kept for measuring), the parser is rebuilt with its character
models trained without that set, and each message's signals (the rules' scores, the
model's probability, length, question, danger) are recorded as they would be on unseen
wording. A logistic regression (L2, Newton's method, numpy) is fitted to "asks someone to
act" over all of them. Before writing the weights it prints, for a few thresholds, the
leave-one-set-out figures of the stacked decision beside the fixed thresholds it
replaces: the threshold written is the one given by THRESHOLD below, picked that way.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from nlu_cv import parser_without  # noqa: E402
from nlu_examples import DATA, KEEP_OUT, rows  # noqa: E402

from handlers.nlu.record import ACTIONABLE  # noqa: E402
from handlers.nlu.stack import NAMES, signals  # noqa: E402

THRESHOLD = 0.65  # the chat floor (≤ 3 %) binds harder than F1 (≥ 0.93): see the printed figures
L2 = 1.0
OUT = ROOT / "handlers" / "nlu" / "data" / "stack.json"


def sets() -> list[Path]:
    found = sorted(p for p in DATA.glob("nlu_*.jsonl") if p.name not in KEEP_OUT)
    return found + [DATA / "fortnight_c.jsonl"]


def signals_of(path: Path) -> tuple[list[list[float]], list[bool], list[bool], list[bool]]:
    """(signals, actionable?, fixed thresholds said actionable?, chat?) for the messages
    the second look sees."""
    lines = [(t, i) for t, i, _ in rows(path)]
    parser = parser_without({t for t, _ in lines})
    parser.second.stacker = None
    seen: list[tuple[list[float], bool]] = []
    recheck = parser.second.recheck

    def capture(text, intent, confidence, reading=None):
        after = recheck(text, intent, confidence, reading)
        if reading is not None:
            seen.append((signals(text, reading, parser.second.p_actionable(text)), after[0] in ACTIONABLE))
        return after

    parser.second.recheck = capture
    xs, ys, base, chat = [], [], [], []
    for text, intent in lines:
        before = len(seen)
        parser.parse(text)
        if len(seen) > before:
            x, fixed = seen[-1]
            xs.append(x)
            ys.append(intent in ACTIONABLE)
            base.append(fixed)
            chat.append(intent == "chat")
    return xs, ys, base, chat


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], L2)
    reg[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w[1:], float(w[0])


def predict(model, x: np.ndarray) -> np.ndarray:
    mean, scale, coef, bias = model
    return 1 / (1 + np.exp(-np.clip(bias + ((x - mean) / scale) @ coef, -30, 30)))


def f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float((gold & pred).sum())
    return 0.0 if tp == 0 else 2 * tp / (gold.sum() + pred.sum())


def main() -> None:
    data = {}
    for n, path in enumerate(sets(), 1):
        data[path.name] = [np.array(v) for v in signals_of(path)]
        print(f"\r  signals {n}/{len(sets())} {path.name:28s}", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    print("leave-one-set-out, on the messages the second look sees (mean over sets):")
    print(f"{'threshold':>10s} {'F1':>7s} {'chat→act':>9s}   fixed thresholds: F1, chat→act")
    for threshold in (0.5, 0.6, 0.65, 0.7):
        stacked, fixed, s_chat, f_chat = [], [], [], []
        for held in data:
            x = np.vstack([data[k][0] for k in data if k != held])
            y = np.concatenate([data[k][1] for k in data if k != held])
            hx, hy, hbase, hchat = data[held]
            pred = predict(fit(x, y), hx) >= threshold
            stacked.append(f1(hy, pred))
            fixed.append(f1(hy, hbase))
            if hchat.any():
                s_chat.append(float(pred[hchat].mean()))
                f_chat.append(float(hbase[hchat].mean()))
        print(f"{threshold:>10.2f} {np.mean(stacked):>7.3f} {np.mean(s_chat):>9.3f}   "
              f"{np.mean(fixed):.3f}, {np.mean(f_chat):.3f}")
    x = np.vstack([v[0] for v in data.values()])
    y = np.concatenate([v[1] for v in data.values()])
    mean, scale, coef, bias = fit(x, y)
    OUT.write_text(json.dumps({
        "names": NAMES, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "coef": coef.round(6).tolist(), "bias": round(bias, 6), "threshold": THRESHOLD,
        "trained_on": sorted(data), "messages": int(len(y)),
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(y)} messages, threshold {THRESHOLD}")


if __name__ == "__main__":
    main()
