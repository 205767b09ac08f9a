"""A restart between a job's due time and its run: the bot is replayed up to a moment,
stopped, and started again later on the same database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from tests.replay.test_schedule_replay import config_file, replay, t, timed  # noqa: F401


def test_missed_reminders_and_nags_after_a_restart(db_url, config_file):  # noqa: F811
    first = replay("restart_part1.jsonl", db_url, "2026-03-02T12:00:00+08:00", config_file)
    assert not [x for x in timed(first) if x["at"] > t("2026-03-02T09:10")]
    back = t("2026-03-05T15:10")  # down from 3月2日 noon until now
    lines = [x for x in replay("restart_part2.jsonl", db_url, "2026-03-06T10:00:00+08:00",
                               config_file) if x["at"] >= back]
    at_start = sorted(x["text"] for x in timed(lines) if x["at"] == back)
    assert at_start == sorted([
        # missed by ten minutes: still meaningful, sent as usual
        "【提醒】楼道安全检查",
        # missed by two days: reported, not sent as if on time
        "抱歉，原定3月3日（周二）15:00的提醒没能按时发出（小助手当时不在线）：检查消防通道",
        # a daily one missed three times: reported once
        "抱歉，原定3月3日（周二）09:00的提醒没能按时发出（小助手当时不在线）：晨练",
        # the ticket is still open: its overdue reminder is still worth sending
        next(x["text"] for x in lines if "已到处理期限" in x["text"]),
    ])
    escalation = [x for x in lines if "超过期限" in x["text"]]
    assert [x["at"] for x in escalation] == [back + timedelta(hours=1)]  # owners get an hour
    assert [x["at"] for x in lines if x["text"].startswith("【提醒】晨练")] == [
        t("2026-03-06T09:00")]  # and the daily one is back on time
    # the morning list missed by seven hours is not sent late; the next one is
    assert [x["at"] for x in lines if "早上好" in x["text"]] == [t("2026-03-06T08:00")]


def test_digest_missed_by_an_hour_is_sent_once_but_not_half_a_day_late(db_url,
                                                                       config_file):  # noqa: F811
    replay("restart_digest_part1.jsonl", db_url, "2026-03-09T08:00:00+08:00", config_file)
    second = replay("restart_digest_part2.jsonl", db_url, "2026-03-09T12:00:00+08:00",
                    config_file)
    digests = [x for x in second if x["text"].startswith("【上周工单周报】")]
    assert [x["at"] for x in digests] == [t("2026-03-09T10:00")]
    assert "新增问题 1 件" in digests[0]["text"]
    third = replay("restart_digest_part3.jsonl", db_url, "2026-03-16T23:00:00+08:00",
                   config_file)
    digests = [x for x in third if x["text"].startswith("【上周工单周报】")]
    assert [x["at"] for x in digests] == [t("2026-03-09T10:00")]  # none for 3月16日 (13 h late)
