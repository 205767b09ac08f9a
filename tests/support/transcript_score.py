"""Score a replay of a labelled transcript (lines carrying `expect`) end to end.

    python -m tests.support.transcript_score tests/data/fortnight_c.jsonl

Runs `gongzhi replay` on a fresh SQLite file, then counts: reports that made a ticket of
their own, pile-ons that joined the right ticket, chat and commands that made a ticket,
and messages the bot asked about ("要登记为问题吗？").
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG: list[str] = []


def run(path: Path) -> dict:
    db = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/score.db"
    out = subprocess.run([sys.executable, "-m", "bot", "replay", str(path), "--db", db] + CONFIG + CONFIG + CONFIG,
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    tickets = subprocess.run([sys.executable, "-m", "bot", "tickets", "--db", db, "--json"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return score([json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()],
                 [json.loads(x) for x in out.splitlines()],
                 [json.loads(x) for x in tickets.splitlines()])


def score(lines: list[dict], replies: list[dict], tickets: list[dict]) -> dict:
    by_source = {sid: t for t in tickets for sid in t["source_ids"]}
    asked = {r["in_reply_to"] for r in replies if "要登记为问题吗" in r["text"]}
    new = [x for x in lines if x["expect"] in ("report", "need", "offer")]
    piles = [x for x in lines if x["expect"].startswith("pileon:")]
    quiet = [x for x in lines if x["expect"] not in ("report", "need", "offer")
             and not x["expect"].startswith("pileon:")]
    own = [x for x in new if x["id"] in by_source and by_source[x["id"]]["source_ids"][0] == x["id"]]
    joined = [x for x in piles if x["id"] in by_source
              and by_source[x["id"]] is by_source.get(x["expect"].split(":", 1)[1])]
    false = [x for x in quiet if x["id"] in by_source and by_source[x["id"]]["source_ids"][0] == x["id"]]
    chats = [x for x in lines if x["expect"] == "chat"]
    return {
        "reports": len(new), "reports_ticketed": len(own),
        "reports_asked": sum(x["id"] in asked for x in new if x not in own),
        "pileons": len(piles), "pileons_joined": len(joined),
        "chat": len(chats), "chat_ticketed": sum(x in false for x in chats),
        "chat_asked": sum(x["id"] in asked for x in chats),
        "other_ticketed": len(false) - sum(x in false for x in chats),
        "missed": [x["text"] for x in new if x not in own and x["id"] not in asked][:20],
        "false": [x["text"] for x in false][:20],
    }


if __name__ == "__main__":
    result = run(Path(sys.argv[1]))
    for k, v in result.items():
        if isinstance(v, list):
            print(f"{k}:")
            for t in v:
                print(f"    {t}")
        else:
            print(f"{k:20s} {v}")
