"""What the timed jobs say: short, polite, plain Chinese. Pure functions of domain objects."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import CATEGORY_LABEL, Member, Ticket
from handlers.schedule.digest import duration_cn, when_cn


def label(t: Ticket) -> str:
    cat = CATEGORY_LABEL.get(t.category or "", "")
    return f"#{t.number}" + (f"【{cat}】" if cat else "") + t.title


def at_names(members: list[Member]) -> str:
    return " ".join(f"@{m.name}" for m in members)


def overdue_text(t: Ticket, owners: list[Member], due: datetime, now: datetime) -> str:
    return (f"{at_names(owners)} 提醒：".lstrip() + f"{label(t)} 已到处理期限（{when_cn(due)}），"
            f"从反映到现在已{duration_cn(now - t.created_at)}。"
            f"办好后请发 /办结 {t.number}，需要更多时间请告诉协调员。")


def escalate_text(t: Ticket, heads: list[Member], due: datetime, now: datetime,
                  urged: int) -> str:
    owners = "、".join(m.name for m in t.owners) or "暂无"
    pressed = f"，居民已催办{urged}次" if urged else ""
    return (f"{at_names(heads)} ".lstrip() + f"{label(t)} 超过期限{duration_cn(now - due)}仍未办结"
            f"（负责人：{owners}{pressed}），请协调督办，谢谢！")


def ack_text(t: Ticket, heads: list[Member], now: datetime) -> str:
    return (f"【紧急】{label(t)} 反映已{duration_cn(now - t.created_at)}，还没有负责人回应。"
            f"请 {at_names(heads)} 立即协调！负责人请发 /收到 {t.number} 认领。")


def close_text(t: Ticket, days: int) -> str:
    return (f"{label(t)} 办结已{days}天，没有收到“没修好”的反馈，工单已关闭。"
            f"如果问题又出现了，请重新反映，谢谢！")


def reminder_text(text: str, phrase: str, recurring: bool) -> str:
    return f"【提醒】{text}" + (f"（{phrase}）" if recurring else "")


def late_reminder_text(text: str, due: datetime) -> str:
    return f"抱歉，原定{when_cn(due)}的提醒没能按时发出（小助手当时不在线）：{text}"


def morning_text(now: datetime, overdue: list[Ticket], today: list[Ticket],
                 heads: list[Member]) -> str:
    lines = [f"{at_names(heads)} ".lstrip() + f"早上好！今天（{now.month}月{now.day}日）需要关注的工单："]
    for t in overdue:
        lines.append(f"· 已超期 {label(t)}（超期{duration_cn(now - t.due_at)}）")
    for t in today:
        lines.append(f"· 今天到期 {label(t)}（{t.due_at.astimezone(now.tzinfo):%H:%M} 前）")
    return "\n".join(lines)
