"""Two bot processes on one real PostgreSQL database for a simulated week: every digest,
reminder, nag and morning list is sent exactly once.

Once with two Applications in lockstep (both tick the same virtual moments at the same
time, so their claims really race), once with two real `gongzhi replay` processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.app import Application
from bot.clock import VirtualClock
from bot.config import Config
from bot.transports.replay import ReplayTransport, read_transcript
from handlers.timed import TIMED_JOBS
from tests.support import pg

TRANSCRIPT = Path(__file__).parents[1] / "data" / "schedule" / "two_processes.jsonl"
TZ = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 3, 9, 12, 0, tzinfo=TZ)
REPO = Path(__file__).parents[2]

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_url(pg_template):
    """A database of its own, emptied: the shared template may hold another test's rows."""
    name = await pg.create_database(pg_template)
    await pg.truncate_all(name)
    try:
        yield pg.url(name)
    finally:
        await pg.drop_database(name)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=TZ)


# what the week must contain, each exactly once: (moment, start of the text)
EXPECTED_ONCE = [
    *((at(d, 9), "【提醒】晨练") for d in range(3, 10)),
    (at(3, 9), "【提醒】小区服务日"),
    (at(3, 15), "【提醒】检查消防通道"),
    (at(9, 9), "【上周工单周报】3月2日—3月8日"),
    (at(2, 10, 30), "【紧急】#2"),  # nobody acknowledged the urgent ticket
    (at(2, 14), "@物业小王 提醒：#2"),
    (at(2, 15), "@张网格长 #2"),
    (at(2, 18), "@物业小王 提醒：#1"),
    (at(3, 18), "@张网格长 #1"),
    (at(5, 18), "@物业小王 提醒：#3"),  # reported after 16:00: due the next day
    (at(6, 18), "@张网格长 #3"),
    (at(6, 11), "#2【电梯】"),  # resolved 3月3日 11:00, no answer: closed after 3 days
    *((at(d, 8), "@张网格长 早上好") for d in range(3, 10)),
]


def check_week(rows: list[tuple[datetime, str]]) -> None:
    timed = Counter()
    for when, text in rows:
        for moment, start in EXPECTED_ONCE:
            if when == moment and text.startswith(start):
                timed[(moment, start)] += 1
    assert {k: timed[k] for k in EXPECTED_ONCE} == dict.fromkeys(EXPECTED_ONCE, 1)


async def outbox_rows(url: str) -> list[tuple[datetime, str, str | None]]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch("SELECT created_at, text, status FROM outbox "
                                "WHERE in_reply_to IS NULL ORDER BY id")
    finally:
        await conn.close()
    return [(r["created_at"].replace(tzinfo=ZoneInfo("UTC")).astimezone(TZ), r["text"],
             r["status"]) for r in rows]


async def in_lockstep(a: Application, b: Application, until: datetime) -> None:
    """Move both clocks through every moment either has something due, together: at each
    moment both tick and flush at once, racing for the same claims."""
    moment = a.clock.now()
    while moment < until:
        dues = [d for app in (a, b) for job in TIMED_JOBS
                if (d := await job.next_due(app, moment)) is not None]
        moment = min(max(min(dues, default=until), moment + timedelta(minutes=1)), until)
        await asyncio.gather(a.advance_to(moment), b.advance_to(moment))


async def test_two_applications_in_lockstep(pg_url, tmp_path):
    config = Config.model_validate({"schedule": {"chart_dir": str(tmp_path)}})
    msgs = list(read_transcript(TRANSCRIPT.read_text(encoding="utf-8").splitlines(), "小治"))
    apps = [Application(config, ReplayTransport(), clock=VirtualClock(msgs[0].at),
                        db_url=pg_url, serve_unknown_rooms=True) for _ in range(2)]
    async with apps[0] as a, apps[1] as b:
        for i, msg in enumerate(msgs):
            await in_lockstep(a, b, msg.at)
            app = (a, b)[i % 2]  # messages arrive at either process
            await app.receive(msg)
            await app.flush_outbox()
        await in_lockstep(a, b, END)
    sent = a.transport.sent + b.transport.sent
    assert len({o.outbox_id for o in sent}) == len(sent)  # no row went out twice
    check_week([(o.created_at.astimezone(TZ), o.text) for o in sent if o.in_reply_to is None])
    rows = await outbox_rows(pg_url)
    check_week([(when, text) for when, text, _ in rows])
    assert {status for _, _, status in rows} == {"sent"}


async def handled(url: str) -> int:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return await conn.fetchval("SELECT count(*) FROM inbox WHERE status <> 'pending'")
    finally:
        await conn.close()


async def test_two_real_gongzhi_processes(pg_url, tmp_path):
    """The second process starts once the first has taken in the transcript (a process
    starting while another is half-way through a message would handle it again on
    recovery: a core limitation reported separately), then both run the week on."""
    config = tmp_path / "config.toml"
    config.write_text(f'[schedule]\nchart_dir = "{tmp_path}"\n', encoding="utf-8")
    hello = tmp_path / "hello.jsonl"
    hello.write_text(json.dumps({"at": "2026-03-02T08:00:00+08:00", "room": "枫桥小区共治群",
                                 "from": "陈阿姨", "text": "大家早上好", "id": "h1"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    async def gongzhi(transcript: Path):
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "replay", str(transcript), "--db", pg_url,
            "--config", str(config), "--until", END.isoformat(),
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    first = await gongzhi(TRANSCRIPT)
    lines = len(TRANSCRIPT.read_text(encoding="utf-8").splitlines())
    for _ in range(600):  # wait (at most a minute) for the first to store every message
        if await handled(pg_url) >= lines or first.returncode is not None:
            break
        await asyncio.sleep(0.1)
    second = await gongzhi(hello)
    outputs = [await p.communicate() for p in (first, second)]
    for p, (_, err) in zip((first, second), outputs, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]
    rows = await outbox_rows(pg_url)
    check_week([(when, text) for when, text, _ in rows])
    assert {status for _, _, status in rows} == {"sent"}
    digests = [text for _, text, _ in rows if text.startswith("【上周工单周报】")]
    assert len(digests) == 1
    printed = [json.loads(x) for x in outputs[1][0].decode().splitlines() if x.strip()]
    assert any(x["text"].startswith("【上周工单周报】") for x in printed)
