"""Deadlines (SLA), quiet hours and the nagging plan of a ticket: pure functions of `now`.

Nothing here touches the database or a transport. A job collects a `TicketClock` per
ticket and the keys of what was already sent, asks `due_nags(...)`, and writes the
messages; `next_nag_at(...)` tells the replay clock when to look again.

Keys name what a message is about (ticket id, kind, and the deadline or resolution it
concerns), so a changed deadline or a second resolution earns a fresh message, while
the same one is never sent twice (the keys are unique in the database).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # only the type: importing the package here would be circular
    from handlers.schedule.settings import ScheduleSettings

OPEN_STATUSES = frozenset({"open", "assigned", "reopened"})
# Nags count against the per-day limit; the auto-close of a resolved ticket does not.
NAG_KINDS = frozenset({"ack", "overdue", "escalate"})
ESCALATION_GAP = timedelta(hours=1)  # at least this long after the last nag, unless urged


@dataclass(frozen=True, slots=True)
class TicketClock:
    """What the SLA needs to know about one ticket (times are timezone-aware)."""

    id: int
    kind: str  # problem | need | offer
    category: str | None
    urgent: bool
    status: str
    created_at: datetime
    due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    complexity: str | None = None  # "simple", "complex" or None (from the category)
    reopened_at: datetime | None = None
    urged_at: tuple[datetime, ...] = ()
    rated: bool = False


@dataclass(frozen=True, slots=True)
class Nag:
    """One message the plan calls for: `kind` for `audience`, due at `at`."""

    kind: str  # ack | overdue | escalate | close
    audience: str  # owners | coordinators | group
    at: datetime
    key: str


def _tz(settings: ScheduleSettings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def _stamp(t: datetime) -> int:
    return int(t.timestamp())


def at_local(day: datetime, hhmm: time, settings: ScheduleSettings) -> datetime:
    """The moment `hhmm` on the local calendar day of `day`."""
    local = day.astimezone(_tz(settings))
    return datetime.combine(local.date(), hhmm, tzinfo=_tz(settings))


def is_complex(
    kind: str, category: str | None, complexity: str | None, settings: ScheduleSettings
) -> bool:
    if complexity in ("simple", "complex"):
        return complexity == "complex"
    return kind == "need" or (category or "") in settings.complex_categories


def deadline_for(
    start: datetime, *, kind: str, urgent: bool, complex_: bool, settings: ScheduleSettings
) -> datetime | None:
    """When a ticket reported at `start` must be handled; None for offers (nothing to do)."""
    if kind == "offer":
        return None
    if urgent:
        return start + settings.urgent_resolve
    if complex_:
        return start + timedelta(days=settings.complex_days)
    due = at_local(start, settings.hhmm("simple_due"), settings)
    if start >= at_local(start, settings.hhmm("simple_cutoff"), settings) or start >= due:
        due += timedelta(days=1)
    return due


def initial_deadline(
    *, kind: str, category: str | None, urgent: bool, created_at: datetime,
    settings: ScheduleSettings,
) -> tuple[datetime | None, str]:
    """(due_at, complexity) for a new ticket; for the code that creates tickets.

    When a ticket is created without them, the timed job writes the same values on
    its next tick; calling this at creation makes them visible at once (/工单, /清单 超时).
    """
    complex_ = is_complex(kind, category, None, settings)
    due = deadline_for(created_at, kind=kind, urgent=urgent, complex_=complex_,
                       settings=settings)
    return due, "complex" if complex_ else "simple"


def effective_deadline(t: TicketClock, settings: ScheduleSettings) -> datetime | None:
    """The ticket's deadline; a ticket reopened after its deadline gets a fresh one."""
    complex_ = is_complex(t.kind, t.category, t.complexity, settings)
    if t.reopened_at and (t.due_at is None or t.due_at <= t.reopened_at):
        return deadline_for(
            t.reopened_at, kind=t.kind, urgent=t.urgent, complex_=complex_, settings=settings
        )
    if t.due_at is not None:
        return t.due_at
    return deadline_for(
        t.created_at, kind=t.kind, urgent=t.urgent, complex_=complex_, settings=settings
    )


def in_quiet_hours(t: datetime, settings: ScheduleSettings) -> bool:
    start, end = settings.hhmm("quiet_start"), settings.hhmm("quiet_end")
    lt = t.astimezone(_tz(settings)).time()
    if start <= end:
        return start <= lt < end
    return lt >= start or lt < end


def after_quiet_hours(t: datetime, settings: ScheduleSettings) -> datetime:
    """`t`, or the end of the quiet hours that `t` falls in."""
    if not in_quiet_hours(t, settings):
        return t
    end = at_local(t, settings.hhmm("quiet_end"), settings)
    return end if end > t else end + timedelta(days=1)


def hold(t: datetime, urgent: bool, settings: ScheduleSettings) -> datetime:
    """When a message meant for `t` may go out: urgent ones at once, others after quiet hours."""
    return t if urgent else after_quiet_hours(t, settings)


def within_daily_limit(
    at: datetime, nag_times: Iterable[datetime], settings: ScheduleSettings
) -> datetime:
    """`at`, or the next morning when the ticket was already nagged the maximum that day."""
    tz = _tz(settings)
    times = sorted(nag_times)
    while sum(1 for n in times if n.astimezone(tz).date() == at.astimezone(tz).date()) >= (
        settings.max_nags_per_day
    ):
        next_day = at_local(at, time(0, 0), settings) + timedelta(days=1)
        at = after_quiet_hours(next_day, settings)
    return at


def _open_plan(
    t: TicketClock, sent: Collection[str], settings: ScheduleSettings, nag_times: list[datetime]
) -> list[Nag]:
    due = effective_deadline(t, settings)
    if due is None:
        return []
    plan: list[Nag] = []
    if t.urgent and t.acknowledged_at is None:
        ack_key = f"ticket:{t.id}:ack"
        plan.append(Nag("ack", "coordinators", t.created_at + settings.urgent_ack, ack_key))
    overdue_key = f"ticket:{t.id}:overdue:{_stamp(due)}"
    if overdue_key not in sent:
        plan.append(Nag("overdue", "owners", hold(due, t.urgent, settings), overdue_key))
        return plan  # escalation is planned once the reminder has gone out
    wait = (
        timedelta(minutes=settings.urgent_escalate_after_minutes)
        if t.urgent
        else timedelta(hours=settings.escalate_after_hours)
    )
    # owners get a while after their reminder (e.g. when both came due while the bot was down)
    escalate_at = max([due + wait, *(n + ESCALATION_GAP for n in nag_times)])
    urges = [u for u in t.urged_at if u >= due]
    if urges:  # a resident pressing after the deadline brings the coordinators in at once
        escalate_at = min(escalate_at, max(min(urges), due))
    key = f"ticket:{t.id}:escalate:{_stamp(due)}"
    plan.append(Nag("escalate", "coordinators", hold(escalate_at, t.urgent, settings), key))
    return plan


def _resolved_plan(t: TicketClock, close_after: timedelta, settings: ScheduleSettings) -> list[Nag]:
    """A resolved ticket nobody answered about (no rating, not reopened) closes by itself."""
    if t.resolved_at is None or t.rated:
        return []
    key = f"ticket:{t.id}:close:{_stamp(t.resolved_at)}"
    return [Nag("close", "group", hold(t.resolved_at + close_after, False, settings), key)]


def nag_plan(
    t: TicketClock,
    sent: Collection[str],
    settings: ScheduleSettings,
    nag_times: Iterable[datetime] = (),
    close_after: timedelta = timedelta(days=3),
) -> list[Nag]:
    """Messages still to send about `t`, each with the moment it becomes due.

    `sent` holds the keys already sent; `nag_times` when the ticket was nagged
    (for the daily limit, which moves a nag to the next morning); `close_after` is
    the group's quiet period after which a resolved ticket closes.
    """
    times = list(nag_times)
    if t.status in OPEN_STATUSES:
        plan = _open_plan(t, sent, settings, times)
    elif t.status == "resolved":
        plan = _resolved_plan(t, close_after, settings)
    else:
        return []
    out = []
    for nag in plan:
        if nag.key in sent:
            continue
        if nag.kind in NAG_KINDS:
            nag = Nag(nag.kind, nag.audience, within_daily_limit(nag.at, times, settings), nag.key)
        out.append(nag)
    return sorted(out, key=lambda n: n.at)


def due_nags(
    t: TicketClock,
    sent: Collection[str],
    now: datetime,
    settings: ScheduleSettings,
    nag_times: Iterable[datetime] = (),
    close_after: timedelta = timedelta(days=3),
) -> Nag | None:
    """The next message about `t` that is due at `now`, if any.

    One at a time, so the daily limit and the order (ack, overdue, escalate) are
    checked against what was really sent; the caller asks again after sending.
    """
    due = [n for n in nag_plan(t, sent, settings, nag_times, close_after) if n.at <= now]
    return due[0] if due else None


def next_nag_at(
    t: TicketClock,
    sent: Collection[str],
    settings: ScheduleSettings,
    nag_times: Iterable[datetime] = (),
    close_after: timedelta = timedelta(days=3),
) -> datetime | None:
    """The earliest moment anything in the plan of `t` becomes due."""
    times = [n.at for n in nag_plan(t, sent, settings, nag_times, close_after)]
    return min(times) if times else None
