"""`gongzhi replay` end to end, as a real process: a 200-message transcript makes one
ticket per report and none for chat; a process killed half-way and restarted on the
same database loses nothing and answers nothing twice."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPT = ROOT / "tests" / "data" / "transcript_200.jsonl"
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def gongzhi(*args, check=True, timeout=120):
    proc = subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"gongzhi {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def lines_of(text):
    return [json.loads(x) for x in text.splitlines() if x.strip()]


def transcript():
    return lines_of(TRANSCRIPT.read_text(encoding="utf-8"))


@pytest.fixture(params=["sqlite", "postgres"])
def replay_db(request, tmp_path, pg_shared):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/replay.db"
    import asyncio

    from tests.support import pg
    asyncio.run(pg.truncate_all(pg_shared))
    return pg.url(pg_shared)


def test_transcript_one_ticket_per_report_none_for_chat(replay_db):
    out = lines_of(gongzhi("replay", str(TRANSCRIPT), "--db", replay_db).stdout)
    tickets = lines_of(gongzhi("tickets", "--db", replay_db, "--json").stdout)
    by_source = {sid: t for t in tickets for sid in t["source_ids"]}
    lines = transcript()
    reports = [x for x in lines if x["expect"] == "report"]
    # exactly one ticket per report, and none from chat or commands
    assert sorted(by_source[x["id"]]["number"] for x in reports) == sorted(t["number"] for t in tickets)
    assert len(tickets) == len(reports)
    for x in lines:
        if x["expect"].startswith("pileon:"):
            assert by_source[x["id"]] is by_source[x["expect"].split(":")[1]]
        elif x["expect"] in ("chat", "command"):
            assert x["id"] not in by_source
    # every ticket reply @mentions the ticket's owners, who hold roles set by /角色
    holders = {x["mentions"][0] for x in lines if x["expect"] == "command"} | {"张网格长"}
    replies = {o["in_reply_to"]: o for o in out}
    for x in reports:
        t = by_source[x["id"]]
        reply = replies[x["id"]]
        assert f"#{t['number']}" in reply["text"]
        assert sorted(reply["mentions"]) == sorted(t["owners"]) and t["owners"]
        assert set(t["owners"]) <= holders
        for name in t["owners"]:
            assert f"@{name}" in reply["text"]
    # chat is never answered
    chat_ids = {x["id"] for x in lines if x["expect"] == "chat"}
    assert not chat_ids & set(replies)


def _count_handled(db_path):
    try:
        with sqlite3.connect(db_path, timeout=1) as c:
            return c.execute("SELECT count(*) FROM inbox WHERE status != 'pending'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _normalised(out):
    return Counter((o.get("in_reply_to"), o["text"], tuple(o["mentions"]), o.get("to")) for o in out)


def test_killed_replay_restarted_loses_nothing_and_repeats_nothing(tmp_path):
    clean = f"sqlite+aiosqlite:///{tmp_path}/clean.db"
    expected = lines_of(gongzhi("replay", str(TRANSCRIPT), "--db", clean).stdout)

    db_path = tmp_path / "killed.db"
    url = f"sqlite+aiosqlite:///{db_path}"
    proc = subprocess.Popen([sys.executable, "-m", "bot", "replay", str(TRANSCRIPT), "--db", url],
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while _count_handled(db_path) < 80 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the replay finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    handled_at_kill = _count_handled(db_path)
    assert 80 <= handled_at_kill < 200

    resumed = lines_of(gongzhi("replay", str(TRANSCRIPT), "--db", url).stdout)
    assert _normalised(resumed) == _normalised(expected)
    clean_tickets = lines_of(gongzhi("tickets", "--db", clean, "--json").stdout)
    killed_tickets = lines_of(gongzhi("tickets", "--db", url, "--json").stdout)
    assert killed_tickets == clean_tickets
    with sqlite3.connect(db_path) as c:
        assert c.execute("SELECT count(*) FROM inbox").fetchone()[0] == 200
        assert c.execute("SELECT count(*) FROM inbox WHERE status = 'pending'").fetchone()[0] == 0


def test_replay_twice_on_same_db_answers_nothing_new(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/twice.db"
    first = gongzhi("replay", str(TRANSCRIPT), "--db", url).stdout
    second = gongzhi("replay", str(TRANSCRIPT), "--db", url).stdout
    assert first == second and first.strip()


def test_bad_transcript_line_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": "2026-03-02T08:00:00+08:00", "room": "r", "from": "a", "text": "hi"}\n'
                   '{"at": "yesterday", "room": "r", "from": "a", "text": "hi"}\n', encoding="utf-8")
    proc = gongzhi("replay", str(bad), check=False)
    assert proc.returncode == 1
    assert "line 2: 'at' must be an ISO time" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_transcript_without_ids_and_with_mentions_of_the_bot(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text('{"at": "2026-03-02T08:00:00+08:00", "room": "r", "from": "张三", "text": "/帮助", "mentions": ["小治"]}\n'
                 '{"at": "2026-03-02T08:00:00+08:00", "room": "r", "from": "张三", "text": "/帮助", "mentions": ["小治"]}\n',
                 encoding="utf-8")
    out = lines_of(gongzhi("replay", str(t)).stdout)
    assert len(out) == 1  # same time, room, sender and text: one message delivered twice
    assert out[0]["in_reply_to"] is None and "/上报" in out[0]["text"]


def test_transcripts_exported_with_other_field_names_are_read():
    from bot.transports.replay import read_transcript

    lines = [
        '{"timestamp": 1779000000, "group": "和睦共治群", "sender": "王阿姨", "content": "3幢电梯坏了", "msg_id": "x1"}',
        '{"time": "2026-05-17T08:00:00Z", "chat": "和睦共治群", "speaker": "李大爷", "message": "早上好"}',
    ]
    first, second = read_transcript(lines, "小治")
    assert (first.room, first.sender.name, first.text, first.id) == ("和睦共治群", "王阿姨", "3幢电梯坏了", "x1")
    assert first.at.utcoffset().total_seconds() == 8 * 3600
    assert second.at.isoformat() == "2026-05-17T08:00:00+00:00" and second.text == "早上好"


def test_a_line_without_a_sender_names_the_fix():
    from bot.transports.replay import TranscriptError, read_transcript

    with pytest.raises(TranscriptError, match="line 1: missing from"):
        list(read_transcript(['{"at": "2026-05-17T08:00:00+08:00", "room": "r", "text": "hi"}'], "小治"))
