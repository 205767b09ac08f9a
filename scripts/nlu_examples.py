"""Rebuild the parser's training examples from the team's own labelled sets.

    .venv/bin/python scripts/nlu_examples.py

Writes handlers/nlu/data/intent_examples.jsonl (text, intent), appends new report and
need lines to category_examples.jsonl, and writes urgent_examples.jsonl (the messages the
rules call urgent, with whether they are). Never uses the shared dev set nor the unseen
sets kept for measuring (nlu_unseen_b onwards): no text that appears in any of them is taken.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
# the shared dev set and every unseen set but the first (which became training material)
KEEP_OUT = ("nlu_dev.jsonl",) + tuple(sorted(p.name for p in DATA.glob("nlu_unseen_*.jsonl")
                                              if p.name != "nlu_unseen_a.jsonl"))


def rows(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            intent = r.get("intent") or r.get("expect")
            if intent == "command":
                continue
            yield r["text"], ("report" if intent.startswith("pileon") else intent), r.get("category")


def main() -> None:
    banned = {t for name in KEEP_OUT if (DATA / name).exists() for t, _, _ in rows(DATA / name)}
    sources = sorted(p for p in DATA.glob("nlu_*.jsonl") if p.name not in KEEP_OUT)
    sources.append(DATA / "fortnight_c.jsonl")
    seen, intents, cats = set(banned), [], []
    for path in sources:
        for text, intent, category in rows(path):
            if text in seen:
                continue
            seen.add(text)
            intents.append({"text": text, "intent": intent})
            if intent in ("report", "need") and category:
                cats.append({"text": text, "category": category})
    out = ROOT / "handlers" / "nlu" / "data"
    (out / "intent_examples.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in intents), encoding="utf-8")
    cat_file = out / "category_examples.jsonl"
    have = {json.loads(x)["text"] for x in cat_file.read_text(encoding="utf-8").splitlines() if x}
    new = [r for r in cats if r["text"] not in have]
    with cat_file.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in new)
    urgent = urgent_examples(sources, banned)
    (out / "urgent_examples.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in urgent), encoding="utf-8")
    print(f"{len(intents)} intent examples; {len(new)} new category examples; "
          f"{len(urgent)} urgency examples ({sum(r['urgent'] for r in urgent)} urgent)")


def urgent_examples(sources: list[Path], banned: set[str]) -> list[dict]:
    """Messages the rules call urgent, with whether they really are: what the urgency
    check learns to tell apart (a danger word in a past story, a figure of speech…)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from handlers.nlu.parser import Parser

    parser = Parser()
    parser.urgency = None  # the rules alone
    seen, out = set(banned), []
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line) if line.strip() else None
            if r is None or "urgent" not in r or r["text"] in seen:
                continue
            seen.add(r["text"])
            if parser.parse(r["text"]).urgent:
                out.append({"text": r["text"], "urgent": bool(r["urgent"])})
    return out


if __name__ == "__main__":
    main()
