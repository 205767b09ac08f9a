"""Doing what the plan says is due: each action claims its key, then queues its message,
in one transaction. A claim that is already taken means another tick (or process) did it."""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers import sla
from handlers.domain import Member
from handlers.schedule import store, texts
from handlers.schedule.digest import digest_text, week_figures
from handlers.schedule.jobs import (
    MORNING_GRACE,
    Action,
    Snapshot,
    group_conf,
    mark_stale,
    settings_for,
    slot_key,
)
from handlers.schedule.settings import ScheduleSettings
from handlers.schedule.triggers import next_fire

log = logging.getLogger(__name__)

HEAD_ROLES = ("coordinator", "grid_head")


async def heads(repo, group: store.GroupInfo, gconf) -> list[Member]:
    """Who an escalation goes to: coordinators (config and /角色) and grid heads."""
    out: dict[int, Member] = {}
    for name in gconf.coordinators:
        m = await repo.member_by_name(group.id, name)
        if m is not None:
            out.setdefault(m.id, m)
    for r in await repo.roles(group.id):
        if r.role in HEAD_ROLES:
            out.setdefault(r.member.id, r.member)
    return list(out.values())


async def fill_deadlines(app, snap: Snapshot, now: datetime) -> None:
    """Write each ticket's SLA deadline when it has none yet, or a fresh one after a reopen."""
    if not snap.unfilled:
        return
    groups = {g.id: g for g in snap.groups}
    todo = []
    for tid in sorted(snap.unfilled):  # one order in every process: no deadlocks
        c = snap.facts.clocks[tid]
        st = settings_for(app, groups[snap.facts.where[tid][0]])
        complex_ = sla.is_complex(c.kind, c.category, c.complexity, st)
        todo.append((tid, sla.effective_deadline(c, st), "complex" if complex_ else "simple",
                     c.due_at))
    async with app.session() as repo:
        for tid, due, complexity, expected in todo:
            await store.set_deadline(repo.s, tid, due, complexity, expected)
    snap.unfilled.clear()


async def perform(app, action: Action, now: datetime) -> None:
    await {"nag": _nag, "reminder": _reminder, "morning": _morning,
           "digest": _digest}[action.kind](app, action, now)


async def _nag(app, action: Action, now: datetime) -> None:
    nag, c, g = action.nag, action.clock, action.group
    st = settings_for(app, g)
    tz = ZoneInfo(st.timezone)
    async with app.session() as repo:
        t = await repo.ticket(g.id, action.number)
        still = t is not None and (t.status == "resolved" if nag.kind == "close" else t.is_live)
        if not still:
            mark_stale(app)
            return
        if not await store.claim(repo.s, nag.key, nag.kind, "sent", nag.at, now,
                                 group_id=g.id, ticket_id=t.id):
            mark_stale(app)
            return
        gconf = group_conf(app, g)
        due = sla.effective_deadline(c, st)
        local_now = now.astimezone(tz)
        if nag.kind == "overdue":
            who = t.owners or await heads(repo, g, gconf)
            text = texts.overdue_text(t, who, due.astimezone(tz), local_now)
        elif nag.kind == "close":
            who = []
            text = texts.close_text(t, gconf.close_after_days)
            await repo.update_ticket(t, now, status="closed", closed_at=now)
            await repo.add_event(t.id, "closed", None, now, {"auto": True})
        else:
            who = await heads(repo, g, gconf) or t.owners
            text = (texts.ack_text(t, who, local_now) if nag.kind == "ack"
                    else texts.escalate_text(t, who, due, now, len(c.urged_at)))
        await repo.enqueue(text=text, now=now, group_id=g.id, room=g.room_id,
                           mentions=[m.person for m in who], dedupe_key=nag.key)


async def _reminder(app, action: Action, now: datetime) -> None:
    r, g = action.reminder, action.group
    st = settings_for(app, g)
    tz = ZoneInfo(st.timezone)
    due = r.next_run_at
    key = f"reminder:{r.id}:{int(due.timestamp())}"
    late = now - due > timedelta(minutes=st.reminder_grace_minutes)
    async with app.session() as repo:
        if not await store.claim(repo.s, key, "reminder", "late" if late else "sent", due, now,
                                 group_id=g.id, reminder_id=r.id):
            mark_stale(app)
            return
        following = next_fire(r.trigger, max(now, due), tz)  # missed repeats fold into one
        text = (texts.late_reminder_text(r.text, due.astimezone(tz)) if late
                else texts.reminder_text(r.text, r.phrase, r.trigger["type"] != "date"))
        await repo.enqueue(text=text, now=now, group_id=g.id, room=g.room_id, dedupe_key=key)
        await store.update_reminder(repo.s, r.id, next_run_at=following, last_run_at=now,
                                    status="active" if following else "done")
    if late:
        log.warning("reminder %s of group %s was due %s; reported late", r.id, g.key, due)


async def _morning(app, action: Action, now: datetime) -> None:
    g, slot = action.group, action.at
    st = settings_for(app, g)
    key = slot_key("morning", g.id, slot)
    late = now - sla.after_quiet_hours(slot, st) > MORNING_GRACE
    async with app.session() as repo:
        live = await repo.tickets(g.id, statuses=sla.OPEN_STATUSES)
        local = now.astimezone(ZoneInfo(st.timezone))
        overdue = [t for t in live if t.due_at and t.due_at <= now]
        today = [t for t in live if t.due_at and t.due_at > now
                 and t.due_at.astimezone(local.tzinfo).date() == local.date()]
        outcome = "skipped" if late else ("sent" if overdue or today else "empty")
        if not await store.claim(repo.s, key, "morning", outcome, slot, now, group_id=g.id):
            mark_stale(app)
            return
        if outcome == "sent":
            who = await heads(repo, g, group_conf(app, g))
            await repo.enqueue(text=texts.morning_text(local, overdue, today, who), now=now,
                               group_id=g.id, room=g.room_id, mentions=[m.person for m in who],
                               dedupe_key=key)


def week_bounds(day: datetime, tz: ZoneInfo, weekday: int = 0) -> tuple[datetime, datetime]:
    """The 7 days from the last local midnight of `weekday` at or before `day`."""
    local = day.astimezone(tz)
    start = datetime.combine(local.date(), datetime.min.time(), tzinfo=tz)
    start -= timedelta(days=(start.weekday() - weekday) % 7)
    return start, start + timedelta(days=7)


CHART_KEEP = timedelta(days=30)


def chart_dir(st: ScheduleSettings) -> Path:
    return Path(st.chart_dir) if st.chart_dir else Path(tempfile.gettempdir()) / "gongzhi-charts"


def _drop_old_charts(folder: Path) -> None:
    """Charts are sent within minutes; a month-old one is only taking space."""
    limit = time.time() - CHART_KEEP.total_seconds()
    for png in folder.glob("digest-*.png"):
        with contextlib.suppress(OSError):
            if png.stat().st_mtime < limit:
                png.unlink()


async def build_digest(s, g: store.GroupInfo, start: datetime, end: datetime, now: datetime,
                       label: str, st: ScheduleSettings) -> tuple[str, str | None]:
    """The digest text and its chart's path (None when the week had no problems at all)."""
    from handlers.schedule.chart import render_chart

    tz = ZoneInfo(st.timezone)
    tickets = await store.digest_tickets(s, g.id, end)
    fig = week_figures(tickets, start, end, now, ack=st.urgent_ack)
    text = digest_text(fig, label, now.astimezone(tz))
    if not (fig.new or fig.resolved or fig.open):
        return text, None
    name = f"digest-{g.key}-{start:%Y%m%d}-{int(now.timestamp())}.png"
    _drop_old_charts(chart_dir(st))
    return text, str(render_chart(fig, label, chart_dir(st) / name))


async def _digest(app, action: Action, now: datetime) -> None:
    g, slot = action.group, action.at
    st = settings_for(app, g)
    tz = ZoneInfo(st.timezone)
    key = slot_key("digest", g.id, slot)
    late = now - sla.after_quiet_hours(slot, st) > timedelta(hours=st.digest_grace_hours)
    start, end = week_bounds(slot - timedelta(days=7), tz, slot.weekday())
    async with app.session() as repo:
        if not await store.claim(repo.s, key, "digest", "skipped" if late else "sent", slot, now,
                                 group_id=g.id):
            mark_stale(app)
            return
        if late:
            log.warning("digest of group %s due %s missed by too long; skipped", g.key, slot)
            return
        text, image = await build_digest(repo.s, g, start, end, now, "上周", st)
        await repo.enqueue(text=text, now=now, group_id=g.id, room=g.room_id,
                           image_path=image, dedupe_key=key)
