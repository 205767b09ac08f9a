"""`gongzhi replay … --until` fires deadlines, escalation, quiet hours, reminders and the
digest on the virtual clock; transcripts are in tests/data/schedule/."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli import cli

DATA = Path(__file__).parents[1] / "data" / "schedule"
TZ = ZoneInfo("Asia/Shanghai")


def t(s: str) -> datetime:
    return datetime.fromisoformat(s if "+" in s else s + "+08:00")


@pytest.fixture
def config_file(tmp_path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[schedule]\nchart_dir = "{tmp_path / "charts"}"\n', encoding="utf-8")
    return str(path)


def replay(name: str, db: str, until: str, config: str) -> list[dict]:
    """Run the real CLI in-process; return its JSON lines with `at` parsed."""
    args = ["replay", str(DATA / name), "--db", db, "--until", until, "--config", config]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines() if x.strip()]
    for line in lines:
        line["at"] = datetime.fromisoformat(line["at"])
    return lines


def timed(lines: list[dict]) -> list[dict]:
    """Messages nobody's message asked for: what the clock sent."""
    return [x for x in lines if x["in_reply_to"] is None]


def about(lines: list[dict], number: int) -> list[dict]:
    return [x for x in lines if re.search(rf"#{number}(?!\d)", x["text"])]


def test_simple_ticket_reminded_after_deadline_then_escalated(db_url, config_file):
    lines = replay("simple_overdue.jsonl", db_url, "2026-03-04T12:00:00+08:00", config_file)
    nags = [x for x in about(timed(lines), 1) if "早上好" not in x["text"]]
    assert [(x["at"], x["mentions"]) for x in nags] == [
        (t("2026-03-02T18:00"), ["物业小王"]),  # the owner, once, at the deadline
        (t("2026-03-03T18:00"), ["张网格长"]),  # the coordinator, a day later
    ]
    reminder, escalation = (x["text"] for x in nags)
    assert "已到处理期限" in reminder and "/办结 1" in reminder and "9小时" in reminder
    assert "超过期限1天仍未办结" in escalation and "负责人：物业小王" in escalation
    # #2 was resolved before its deadline: nobody is nagged about it
    assert [x for x in about(timed(lines), 2)] == []


def test_urgent_unacknowledged_ticket_escalated_within_its_window(db_url, config_file):
    lines = replay("urgent.jsonl", db_url, "2026-03-02T12:00:00+08:00", config_file)
    created = next(x["at"] for x in lines if x["in_reply_to"] == "u3")
    escalations = [x for x in timed(lines) if "还没有负责人回应" in x["text"]]
    assert len(escalations) == 1
    assert "#1" in escalations[0]["text"] and escalations[0]["mentions"] == ["张网格长"]
    assert created < escalations[0]["at"] <= created + timedelta(minutes=31)
    # #2 was acknowledged with /收到 within the half hour: no escalation for silence
    assert not [x for x in about(timed(lines), 2) if "还没有负责人回应" in x["text"]]


def test_quiet_hours_hold_a_non_urgent_reminder_until_morning(db_url, config_file):
    lines = replay("quiet_hours.jsonl", db_url, "2026-03-03T09:00:00+08:00", config_file)
    night = [x for x in timed(lines) if x["at"] >= t("2026-03-02T22:00")
             and x["at"] < t("2026-03-03T07:30")]
    assert night and all("#2" in x["text"] for x in night)  # only the urgent ticket
    assert any("还没有负责人回应" in x["text"] for x in night)
    reminders = [x for x in about(timed(lines), 1) if "已到处理期限" in x["text"]]
    assert [x["at"] for x in reminders] == [t("2026-03-03T07:30")]  # deadline was 22:40
    assert "3月2日（周一）22:40" in reminders[0]["text"]


REMINDER_FIRES = {
    "【提醒】夜间巡逻": ["2026-03-02T20:00"],
    "【提醒】检查消防通道": ["2026-03-03T15:00"],
    "【提醒】收集电梯加装意见": ["2026-03-04T09:00"],
    "【提醒】回访独居老人": ["2026-03-05T09:00"],
    "【提醒】业委会例会": ["2026-03-09T09:30"],
    "【提醒】小区服务日（每周二 9:00）": ["2026-03-03T09:00", "2026-03-10T09:00"],
    "【提醒】半月谈（每两周周四 19:00）": ["2026-03-05T19:00"],
    "【提醒】三方联合接访日（每月15日 9:00）": ["2026-03-15T09:00"],
    "【提醒】开门巡查（工作日 08:30）": [f"2026-03-{d:02d}T08:30" for d in (3, 4, 5, 6, 9, 10, 11,
                                                                   12, 13)],
    # cancelled on 3月6日 at noon
    "【提醒】早锻炼（每天早上7点45分）": [f"2026-03-0{d}T07:45" for d in (3, 4, 5, 6)],
}


def test_each_kind_of_reminder_fires_on_time_once(db_url, config_file):
    lines = replay("reminders.jsonl", db_url, "2026-03-16T00:00:00+08:00", config_file)
    fired: dict[str, list[datetime]] = {}
    for x in timed(lines):
        if x["text"].startswith("【提醒】"):
            fired.setdefault(x["text"], []).append(x["at"])
    assert fired == {k: [t(v) for v in vs] for k, vs in REMINDER_FIRES.items()}
    # the month's last day (3月31日 17:00) is after --until; the listing shows it is armed
    listing = next(x["text"] for x in lines if x["in_reply_to"] == "r14")
    assert "每月最后一天 17:00 报送月度台账（下次 3月31日（周二）17:00）" in listing
    assert "没看懂" in next(x["text"] for x in lines if x["in_reply_to"] == "r12")
    assert "只有协调员" in next(x["text"] for x in lines if x["in_reply_to"] == "r13")


def _figures(digest: str) -> dict:
    total = re.search(r"新增问题 (\d+) 件，办结 (\d+) 件，仍在处理 (\d+) 件", digest)
    rates = re.findall(r"(响应率|解决率|满意率) \d+%（(\d+)/(\d+)）", digest)
    return {
        "totals": tuple(int(g) for g in total.groups()),
        "on_time": tuple(int(g) for g in re.search(r"按时办结 (\d+)/(\d+)", digest).groups()),
        "median": re.search(r"办结用时中位数 (\S+?)，", digest).group(1),
        "rates": {name: (int(a), int(b)) for name, a, b in rates},
        "by_category": {m[0]: tuple(int(v) for v in m[1:]) for m in re.findall(
            r"· (\S+)：新增(\d+) 办结(\d+) 未结(\d+)", digest)},
    }


class _Row:
    def __init__(self, category, status, urgent, created_at, due_at, acknowledged_at,
                 resolved_at, rating) -> None:
        self.category, self.status, self.urgent, self.rating = category, status, urgent, rating
        self.created_at, self.due_at = created_at, due_at
        self.acknowledged_at, self.resolved_at = acknowledged_at, resolved_at


def _dt(v):
    if isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\d[ T]\d", v):
        return datetime.fromisoformat(v)
    return v


async def _count_from_database(db_url: str, start: datetime, end: datetime) -> dict:
    """The digest's figures counted straight from the tables, without the app's code."""
    engine = create_async_engine(db_url)
    s, e = (x.astimezone(UTC).replace(tzinfo=None) for x in (start, end))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT category, status, urgent, created_at, due_at, acknowledged_at, "
                "resolved_at, rating FROM tickets WHERE kind = 'problem' "
                "AND status NOT IN ('rejected', 'duplicate') AND created_at < :e"),
                {"e": e})).all()
    finally:
        await engine.dispose()
    rows = [_Row(*(_dt(v) for v in r)) for r in rows]  # SQLite hands back text

    def done(r):
        return r.status in ("resolved", "closed") and r.resolved_at is not None \
            and r.resolved_at < e

    new = [r for r in rows if r.created_at >= s]
    resolved = [r for r in rows if done(r) and r.resolved_at >= s]
    still = [r for r in rows if not done(r)]
    labels = {"elevator": "电梯", "lighting": "照明", "sanitation": "环境卫生",
              "parking_traffic": "停车交通", "facility": "公共设施", "fire_safety": "消防安全",
              "noise_dispute": "噪音与邻里纠纷", "water": "水电管网", "other": "其他"}
    cats = {r.category for r in new + resolved + still}
    responded = 0
    judged = 0
    for r in new:
        deadline = r.created_at + timedelta(minutes=30) if r.urgent else r.due_at
        answered = min([x for x in (r.acknowledged_at, r.resolved_at) if x], default=None)
        if answered is not None and answered <= deadline:
            responded, judged = responded + 1, judged + 1
        elif deadline <= e:
            judged += 1
    hours = statistics.median((r.resolved_at - r.created_at).total_seconds() / 3600
                              for r in resolved)
    rated = [r for r in resolved if r.rating is not None]
    return {
        "totals": (len(new), len(resolved), len(still)),
        "on_time": (sum(1 for r in resolved if r.resolved_at <= r.due_at), len(resolved)),
        "median": f"{round(hours)}小时" if hours < 24 else None,
        "rates": {"响应率": (responded, judged),
                  "解决率": (sum(1 for r in new if done(r)), len(new)),
                  "满意率": (sum(1 for r in rated if r.rating >= 4), len(rated))},
        "by_category": {labels[c]: (sum(1 for r in new if r.category == c),
                                    sum(1 for r in resolved if r.category == c),
                                    sum(1 for r in still if r.category == c)) for c in cats},
    }


def test_weekly_digest_figures_equal_an_independent_count(db_url, config_file):
    lines = replay("digest_week.jsonl", db_url, "2026-03-09T10:00:00+08:00", config_file)
    digests = [x for x in timed(lines) if x["text"].startswith("【上周工单周报】")]
    assert len(digests) == 1
    digest = digests[0]
    assert digest["at"] == t("2026-03-09T09:00")
    assert digest["text"].startswith("【上周工单周报】3月2日—3月8日")
    got = _figures(digest["text"])
    expected = asyncio.run(_count_from_database(db_url, t("2026-03-02T00:00"),
                                                t("2026-03-09T00:00")))
    assert got == expected
    assert got["totals"][0] >= 5 and got["totals"][1] >= 3  # the week really had work in it
    assert "需求清单：#4" in digest["text"] and "资源清单：#5" in digest["text"]
    assert "感谢物业小王" in digest["text"]
    assert Path(digest["image"]).read_bytes()[:4] == b"\x89PNG"
