"""Digest figures from plain tickets, the digest text, and the chart's Chinese labels."""

import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.schedule.chart import FONT_FAMILY, font_path, render_chart
from handlers.schedule.digest import DigestTicket, digest_text, duration_cn, week_figures

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, tzinfo=TZ)
END = START + timedelta(days=7)
NOW = END + timedelta(hours=9)


def h(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def ticket(number, category="lighting", status="assigned", created=10.0, **kw):
    return DigestTicket(number=number, kind=kw.pop("kind", "problem"), category=category,
                        title=f"问题{number}", status=status, created_at=h(created), **kw)


WEEK = [
    # resolved on time, acknowledged, rated 5
    ticket(1, "elevator", "closed", 9, due_at=h(18), acknowledged_at=h(10), resolved_at=h(12),
           rating=5, resolved_by=("物业小王",)),
    # resolved late, rated 2
    ticket(2, "lighting", "closed", 20, due_at=h(42), resolved_at=h(60), rating=2,
           resolved_by=("物业小王",)),
    # urgent, acknowledged in 10 minutes, resolved in 3 hours, not rated
    ticket(3, "water", "resolved", 50, urgent=True, due_at=h(54), acknowledged_at=h(50.2),
           resolved_at=h(53), resolved_by=("水电老李",)),
    # open and never acknowledged past its deadline, urged twice
    ticket(4, "lighting", "assigned", 30, due_at=h(42), urged=2),
    # open, deadline still ahead at the end of the week: not judged for response
    ticket(5, "parking_traffic", "open", 160, due_at=h(200)),
    # from an earlier week, still open: counts as open, not as new
    ticket(6, "elevator", "assigned", -100, due_at=h(-90)),
    # from an earlier week, resolved this week
    ticket(7, "sanitation", "closed", -50, due_at=h(-40), resolved_at=h(5),
           resolved_by=("周楼长",)),
    # rejected and duplicate tickets count nowhere
    ticket(8, "lighting", "rejected", 40),
    ticket(9, "lighting", "duplicate", 41),
    # reported after the week: not in this digest
    ticket(10, "lighting", "open", 170),
    ticket(11, "other", "open", 30, kind="need"),
    ticket(12, "other", "open", 31, kind="offer"),
]


def test_counts_by_category():
    fig = week_figures(WEEK, START, END, NOW)
    assert dict(fig.new) == {"elevator": 1, "lighting": 2, "water": 1, "parking_traffic": 1}
    assert dict(fig.resolved) == {"elevator": 1, "lighting": 1, "water": 1, "sanitation": 1}
    assert dict(fig.open) == {"lighting": 1, "parking_traffic": 1, "elevator": 1}


def test_median_and_on_time():
    fig = week_figures(WEEK, START, END, NOW)
    # resolve times: 3h, 40h, 3h, 55h -> median 21.5h
    assert fig.median_resolve == timedelta(hours=21.5)
    assert fig.on_time == 2  # #2 and #7 were late


def test_three_rates():
    fig = week_figures(WEEK, START, END, NOW)
    assert fig.responded == (2, 4)  # #1 and #3 yes, #2 and #4 no, #5 not yet due
    assert fig.solved == (3, 5)
    assert fig.satisfied == (1, 2)


def test_lists_thanks_and_oldest():
    fig = week_figures(WEEK, START, END, NOW)
    assert [t.number for t in fig.needs] == [11]
    assert [t.number for t in fig.offers] == [12]
    assert fig.thanks[0] == ("物业小王", 2)
    assert [t.number for t in fig.oldest_open] == [4, 6, 5]  # urged first, then oldest


def test_text_carries_the_figures():
    text = digest_text(week_figures(WEEK, START, END, NOW), "上周", NOW)
    assert text.startswith("【上周工单周报】3月2日—3月8日")
    assert "新增问题 5 件，办结 4 件，仍在处理 3 件。" in text
    assert "· 照明：新增2 办结1 未结1" in text
    assert "按时办结 2/4 件" in text
    assert "响应率 50%（2/4）；解决率 60%（3/5）；满意率 50%（1/2）" in text
    assert "#4 问题4（" in text and "催办2次" in text
    assert "需求清单：#11 问题11" in text and "资源清单：#12 问题12" in text
    assert "感谢物业小王（2件）" in text


def test_empty_week_says_so_without_dividing_by_zero():
    text = digest_text(week_figures([], START, END, NOW), "上周", NOW)
    assert "新增问题 0 件" in text
    assert "响应率 —（暂无）" in text


def test_durations_read_naturally():
    assert [duration_cn(timedelta(minutes=m)) for m in (5, 90, 60 * 30, 60 * 24 * 12)] == [
        "5分钟", "2小时", "1.2天", "12天"]


def test_chart_renders_chinese_with_the_bundled_font(tmp_path):
    from matplotlib import font_manager

    fig = week_figures(WEEK, START, END, NOW)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would fail here
        path = render_chart(fig, "上周", tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    found = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY),
                                  fallback_to_default=False)
    assert found == str(font_path())
