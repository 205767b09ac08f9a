"""The weekly digest: figures of one week from plain ticket records, and its Chinese text.

Pure: `week_figures(tickets, start, end, now)` counts, `digest_text(fig, ...)` writes.
Definitions (problems only; needs and offers are listed, not counted; rejected and
duplicate tickets count nowhere):
- new: created in [start, end); resolved: resolved in [start, end) and still resolved
  or closed; open: created before `end` and not resolved before `end`.
- median time to resolve and "on time" (resolved by the deadline): over `resolved`.
- 响应率: of `new` whose response deadline has passed (or that were answered), how
  many were acknowledged (or resolved) by it; the response deadline is 30 minutes for
  urgent tickets and the ticket's deadline otherwise.
- 解决率: of `new`, how many are resolved; 满意率: of `resolved` that were rated,
  how many got 4 or 5 stars.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from handlers.domain import CATEGORY_LABEL

DONE = frozenset({"resolved", "closed"})
IGNORED = frozenset({"rejected", "duplicate"})
WEEKDAY_CN = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class DigestTicket:
    number: int
    kind: str
    category: str | None
    title: str
    status: str
    created_at: datetime
    urgent: bool = False
    due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    rating: int | None = None
    resolved_by: tuple[str, ...] = ()  # display names credited with the resolution
    urged: int = 0


@dataclass(slots=True)
class WeekFigures:
    start: datetime
    end: datetime
    new: Counter = field(default_factory=Counter)  # by category
    resolved: Counter = field(default_factory=Counter)
    open: Counter = field(default_factory=Counter)
    median_resolve: timedelta | None = None
    on_time: int = 0
    responded: tuple[int, int] = (0, 0)
    solved: tuple[int, int] = (0, 0)
    satisfied: tuple[int, int] = (0, 0)
    oldest_open: list[DigestTicket] = field(default_factory=list)
    needs: list[DigestTicket] = field(default_factory=list)
    offers: list[DigestTicket] = field(default_factory=list)
    thanks: list[tuple[str, int]] = field(default_factory=list)


def is_done_by(t: DigestTicket, moment: datetime) -> bool:
    return t.status in DONE and t.resolved_at is not None and t.resolved_at < moment


def response_deadline(t: DigestTicket, ack: timedelta) -> datetime | None:
    return t.created_at + ack if t.urgent else t.due_at


def _responded(t: DigestTicket, asof: datetime, ack: timedelta) -> bool | None:
    """True/False when it can be judged at `asof`, None while the deadline is still ahead."""
    answered = min((x for x in (t.acknowledged_at, t.resolved_at) if x), default=None)
    deadline = response_deadline(t, ack)
    if deadline is None:
        return None if answered is None or answered >= asof else True
    if answered is not None and answered < asof and answered <= deadline:
        return True
    return False if deadline <= asof else None


def week_figures(
    tickets: list[DigestTicket], start: datetime, end: datetime, now: datetime,
    ack: timedelta = timedelta(minutes=30), oldest: int = 3,
) -> WeekFigures:
    asof = min(end, now)
    fig = WeekFigures(start, end)
    live = [t for t in tickets if t.status not in IGNORED]
    problems = [t for t in live if t.kind == "problem"]
    new = [t for t in problems if start <= t.created_at < end]
    done = [t for t in problems if is_done_by(t, end) and t.resolved_at >= start]
    still = [t for t in problems if t.created_at < end and not is_done_by(t, end)]
    fig.new = Counter(t.category or "other" for t in new)
    fig.resolved = Counter(t.category or "other" for t in done)
    fig.open = Counter(t.category or "other" for t in still)
    if done:
        fig.median_resolve = median(t.resolved_at - t.created_at for t in done)
    fig.on_time = sum(1 for t in done if t.due_at is None or t.resolved_at <= t.due_at)
    judged = [r for r in (_responded(t, asof, ack) for t in new) if r is not None]
    fig.responded = (sum(judged), len(judged))
    fig.solved = (sum(1 for t in new if is_done_by(t, asof)), len(new))
    rated = [t for t in done if t.rating is not None]
    fig.satisfied = (sum(1 for t in rated if t.rating >= 4), len(rated))
    fig.oldest_open = sorted(still, key=lambda t: (-t.urged, t.created_at))[:oldest]
    fig.needs = [t for t in live if t.kind == "need" and start <= t.created_at < end]
    fig.offers = [t for t in live if t.kind == "offer" and start <= t.created_at < end]
    credits = Counter(name for t in done for name in t.resolved_by)
    fig.thanks = sorted(credits.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return fig


def day_cn(t: datetime) -> str:
    return f"{t.month}月{t.day}日"


def when_cn(t: datetime) -> str:
    return f"{t.month}月{t.day}日（周{WEEKDAY_CN[t.weekday()]}）{t:%H:%M}"


def duration_cn(d: timedelta) -> str:
    hours = d.total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))}分钟"
    if hours < 24:
        return f"{round(hours)}小时"
    days = hours / 24
    return f"{round(days)}天" if days >= 10 else f"{days:.1f}天".replace(".0天", "天")


def rate_cn(pair: tuple[int, int]) -> str:
    num, den = pair
    return f"{round(100 * num / den)}%（{num}/{den}）" if den else "—（暂无）"


def _by_category(fig: WeekFigures) -> list[str]:
    cats = sorted(set(fig.new) | set(fig.resolved) | set(fig.open),
                  key=lambda c: -(fig.new[c] + fig.resolved[c] + fig.open[c]))
    return [f"· {CATEGORY_LABEL.get(c, c)}：新增{fig.new[c]} 办结{fig.resolved[c]} 未结{fig.open[c]}"
            for c in cats]


def digest_text(fig: WeekFigures, label: str, now: datetime) -> str:
    """The digest as one plain Chinese message; `label` is 本周 or 上周."""
    last = fig.end - timedelta(days=1)
    n_new, n_done, n_open = (sum(c.values()) for c in (fig.new, fig.resolved, fig.open))
    lines = [
        f"【{label}工单周报】{day_cn(fig.start)}—{day_cn(min(last, now))}",
        f"新增问题 {n_new} 件，办结 {n_done} 件，仍在处理 {n_open} 件。",
        *_by_category(fig),
    ]
    if fig.median_resolve is not None:
        lines.append(f"办结用时中位数 {duration_cn(fig.median_resolve)}，"
                     f"按时办结 {fig.on_time}/{n_done} 件。")
    lines.append(f"响应率 {rate_cn(fig.responded)}；解决率 {rate_cn(fig.solved)}；"
                 f"满意率 {rate_cn(fig.satisfied)}")
    if fig.oldest_open:
        items = [f"#{t.number} {t.title}（{duration_cn(now - t.created_at)}"
                 + (f"，催办{t.urged}次" if t.urged else "") + "）" for t in fig.oldest_open]
        lines.append("最久未办：" + "；".join(items))
    for name, items in (("需求清单", fig.needs), ("资源清单", fig.offers)):
        if items:
            lines.append(f"{name}：" + "；".join(f"#{t.number} {t.title}" for t in items))
    if fig.thanks:
        names = "、".join(f"{n}（{k}件）" for n, k in fig.thanks)
        lines.append(f"感谢{names}的辛勤付出！")
    elif n_new == 0 and n_open == 0:
        lines.append(f"{label}没有新的问题，感谢大家共同维护小区！")
    return "\n".join(lines)
