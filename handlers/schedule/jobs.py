"""The timed job: ticket deadlines and escalation, chat reminders, the morning list and
the weekly digest.

One registered job (`schedule`) keeps the two calls of handlers/timed.py cheap: the
facts it plans from are reloaded only when a one-query fingerprint of the database
changes, so `next_due` and a tick with nothing due cost one small query. Every
message is claimed by a unique key in `schedule_runs` (and carries it as the
outbox `dedupe_key`) in the transaction that queues it: however many processes
tick, each message is queued once.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event

from handlers import sla
from handlers.schedule import store
from handlers.schedule.settings import ScheduleSettings
from handlers.timed import timed_job

log = logging.getLogger(__name__)

MORNING_GRACE = timedelta(hours=4)
RUN_LOG_WINDOW = timedelta(days=15)  # how far back group-level runs are looked up


@dataclass(slots=True)
class Snapshot:
    """What the plan reads, kept in memory and refreshed by what changed since `marks`."""

    marks: tuple  # store.fingerprint() when last refreshed
    facts: store.TicketFacts
    groups: list[store.GroupInfo]
    group_runs: set[str]
    reminders: list[store.Reminder]
    first_nag: dict[int, sla.Nag | None] = field(default_factory=dict)  # cache per ticket
    unfilled: set[int] = field(default_factory=set)  # tickets whose due_at is to be written
    seen: dict[str, set[int]] = field(default_factory=dict)  # ids seen in the recent window
    stale: bool = False  # another process did something unseen: reload everything
    checked: tuple = ()  # (now, commits in this process) at the last look
    pending_slot: dict[tuple[int, str], tuple[datetime, datetime, str]] = field(
        default_factory=dict)  # (group, kind) -> first slot not done: (slot, due at, key)


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # nag | reminder | morning | digest
    at: datetime
    group: store.GroupInfo
    nag: sla.Nag | None = None
    clock: sla.TicketClock | None = None
    number: int | None = None
    reminder: store.Reminder | None = None


_SNAPSHOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COMMITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SETTINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def settings_for(app, group: store.GroupInfo) -> ScheduleSettings:
    """The group's schedule settings (its overrides applied), cached per application."""
    per_app = _SETTINGS.setdefault(app, {})
    if group.key not in per_app:
        per_app[group.key] = app.config.schedule.for_group(group.key, group.room_id)
    return per_app[group.key]


def group_conf(app, group: store.GroupInfo):
    """The group's [[groups]] entry, or the defaults served to unconfigured rooms."""
    for g in app.config.groups:
        if g.key == group.key:
            return g
    return app.config.default_group(group.estate).model_copy(update={"key": group.key})


def _commits(app) -> int:
    """Transactions this process committed so far (counted by an engine event)."""
    counter = _COMMITS.get(app)
    if counter is None:
        counter = _COMMITS[app] = [0]

        def count(_conn) -> None:
            counter[0] += 1

        event.listen(app.engine.sync_engine, "commit", count)
    return counter[0]


async def snapshot(app, now: datetime) -> Snapshot:
    """The plan's facts: loaded once per application, then refreshed by what changed.

    Looked at again only when this process committed something or the moment moved
    on: twice at one moment with nothing written between (next_due, then the tick)
    costs no query. Another process's work is seen at the next moment.
    """
    snap = _SNAPSHOTS.get(app)
    if snap is not None and not snap.stale and snap.checked == (now, _commits(app)):
        return snap
    snap = await _look(app, now)
    snap.checked = (now, _commits(app))
    return snap


async def _look(app, now: datetime) -> Snapshot:
    marks = await store.fingerprint(app.engine)
    snap = _SNAPSHOTS.get(app)
    if snap is not None and not snap.stale and marks == snap.marks:
        return snap
    async with app.session() as repo:
        s = repo.s
        if snap is None or snap.stale:
            snap = Snapshot(marks, await store.ticket_facts(s), await store.groups(s),
                            await store.group_run_keys(s, now - RUN_LOG_WINDOW),
                            await store.reminders(s))
            await _look_back(snap, s, marks, marks)
            _mark_unfilled(app, snap, set(snap.facts.clocks))
            _SNAPSHOTS[app] = snap
        else:
            await _refresh(app, snap, s, marks)
    return snap


def mark_stale(app) -> None:
    """Another process acted on something this one had not seen: reload next time."""
    if (snap := _SNAPSHOTS.get(app)) is not None:
        snap.stale = True


async def _look_back(snap: Snapshot, s, old: tuple, marks: tuple) -> tuple[dict, dict, list]:
    """Ids new since the last look: above the old highest ids, or unseen in the window
    below them (a late commit of another process)."""
    window = store.ID_WINDOW
    events = await store.recent_ids(s, "events", old[0] - window)
    tickets = await store.recent_ids(s, "tickets", old[2] - window)
    runs = await store.recent_runs(s, old[4] - window)
    seen = snap.seen
    new_events = {i: t for i, t in events.items() if i not in seen.get("events", ())}
    new_tickets = {i: t for i, t in tickets.items() if i not in seen.get("tickets", ())}
    new_runs = [r for r in runs if r.id not in seen.get("runs", ())]
    snap.seen = {"events": {i for i in events if i > marks[0] - window},
                 "tickets": {i for i in tickets if i > marks[2] - window},
                 "runs": {r.id for r in runs if r.id > marks[4] - window}}
    return new_events, new_tickets, new_runs


async def _refresh(app, snap: Snapshot, s, marks: tuple) -> None:
    if marks[8] != snap.marks[8]:
        snap.groups = await store.groups(s)
    events, tickets, runs = await _look_back(snap, s, snap.marks, marks)
    ids = {*events.values(), *tickets.values(), *(r.ticket_id for r in runs if r.ticket_id)}
    if ids:
        await _reload_tickets(app, snap, s, ids)
    snap.group_runs |= {r.key for r in runs if r.ticket_id is None and r.reminder_id is None}
    if any(r.reminder_id for r in runs) or marks[6:8] != snap.marks[6:8]:
        snap.reminders = await store.reminders(s)
    snap.marks = marks


async def _reload_tickets(app, snap: Snapshot, s, ids: set[int]) -> None:
    fresh = await store.ticket_facts(s, ids)
    f = snap.facts
    for tid in ids:
        for table in (f.clocks, f.where, f.sent, f.nag_times, snap.first_nag):
            table.pop(tid, None)
        snap.unfilled.discard(tid)
    f.clocks.update(fresh.clocks)
    f.where.update(fresh.where)
    f.sent.update(fresh.sent)
    f.nag_times.update(fresh.nag_times)
    _mark_unfilled(app, snap, set(fresh.clocks))


def _mark_unfilled(app, snap: Snapshot, ids: set[int]) -> None:
    """Tickets without a deadline yet, or reopened after theirs: the job writes one."""
    groups = {g.id: g for g in snap.groups}
    for tid in ids:
        c = snap.facts.clocks[tid]
        g = groups.get(snap.facts.where[tid][0])
        if g is not None and sla.effective_deadline(c, settings_for(app, g)) != c.due_at:
            snap.unfilled.add(tid)


# planning (pure over a snapshot) ----------------------------------------------------

def last_slot(now: datetime, hhmm: time, tz: ZoneInfo, weekday: int | None = None) -> datetime:
    """The latest local `hhmm` (on `weekday`, if given) at or before `now`."""
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), hhmm, tzinfo=tz)
    while slot > local or (weekday is not None and slot.weekday() != weekday):
        slot -= timedelta(days=1)
    return slot


def _group_slots(app, g: store.GroupInfo, now: datetime):
    """Per kind (digest, morning): [(slot, moment it may go out)] for the current and next."""
    st = settings_for(app, g)
    tz = ZoneInfo(st.timezone)
    plans = [("digest", last_slot(now, st.hhmm("digest_time"), tz, st.digest_weekday), 7)]
    if st.morning_list:
        plans.append(("morning", last_slot(now, st.hhmm("morning_time"), tz), 1))
    for kind, slot, days in plans:
        slots = (slot, slot + timedelta(days=days))
        yield kind, [(s, sla.after_quiet_hours(s, st)) for s in slots]


def slot_key(kind: str, group_id: int, slot: datetime) -> str:
    return f"{kind}:{group_id}:{slot:%Y-%m-%d}"


def _slot_relevant(kind: str, g: store.GroupInfo, slot: datetime) -> bool:
    """A group first seen after a slot's period began gets nothing for that period."""
    if kind == "digest":
        return g.created_at < datetime.combine(slot.date(), time(0), tzinfo=slot.tzinfo)
    return g.created_at <= slot


def first_nag(app, g: store.GroupInfo, c: sla.TicketClock, sent: set[str],
              nag_times: list[datetime]) -> sla.Nag | None:
    """The earliest message the ticket's plan calls for (it does not depend on `now`)."""
    close_after = timedelta(days=group_conf(app, g).close_after_days)
    nags = sla.nag_plan(c, sent, settings_for(app, g), nag_times, close_after)
    return nags[0] if nags else None


def _pending_slot(app, snap: Snapshot, g: store.GroupInfo, kind: str, slots, now):
    """The group's first morning-list or digest slot not yet done (cached until it is)."""
    cached = snap.pending_slot.get((g.id, kind))
    if cached is not None and cached[2] not in snap.group_runs:
        return cached
    for slot, at in slots:
        key = slot_key(kind, g.id, slot)
        if key not in snap.group_runs and _slot_relevant(kind, g, slot):
            snap.pending_slot[(g.id, kind)] = (slot, at, key)
            return slot, at, key
    return None


def plan(app, snap: Snapshot, now: datetime) -> tuple[list[Action], datetime | None]:
    """What is due at `now`, and the earliest later moment anything else falls due."""
    due: list[Action] = []
    later: datetime | None = None
    # a configured group whose room the bot has not seen yet cannot be posted to
    groups = {g.id: g for g in snap.groups if g.room_id}
    f = snap.facts
    for tid, c in f.clocks.items():
        if f.where[tid][0] not in groups:
            continue
        if tid not in snap.first_nag:
            snap.first_nag[tid] = first_nag(app, groups[f.where[tid][0]], c,
                                            f.sent.get(tid, set()), f.nag_times.get(tid, []))
        nag = snap.first_nag[tid]
        if nag is None:
            continue
        if nag.at <= now:
            gid, number = f.where[tid]
            due.append(Action("nag", nag.at, groups[gid], nag=nag, clock=c, number=number))
        elif later is None or nag.at < later:
            later = nag.at
    for r in snap.reminders:
        if r.next_run_at is None or r.group_id not in groups:
            continue
        if r.next_run_at <= now:
            due.append(Action("reminder", r.next_run_at, groups[r.group_id], reminder=r))
        elif later is None or r.next_run_at < later:
            later = r.next_run_at
    for g in groups.values():
        for kind in ("digest", "morning"):
            cached = snap.pending_slot.get((g.id, kind))
            if cached is None or cached[2] in snap.group_runs:
                cached = _pending_slot(app, snap, g, kind, dict(_group_slots(app, g, now))
                                       .get(kind, ()), now)
            if cached is None:
                continue
            slot, at, _ = cached
            if at <= now:
                due.append(Action(kind, slot, g))
            elif later is None or at < later:
                later = at
    return sorted(due, key=lambda a: a.at), later


# the registered job -----------------------------------------------------------------

async def next_due(app, now: datetime) -> datetime | None:
    snap = await snapshot(app, now)
    due, later = plan(app, snap, now)
    return due[0].at if due else later


@timed_job("schedule", next_due)
async def run(app, now: datetime) -> None:
    from handlers.schedule import actions

    snap = await snapshot(app, now)
    await actions.fill_deadlines(app, snap, now)
    due, _ = plan(app, snap, now)
    for action in due:
        try:
            await actions.perform(app, action, now)
        except Exception:  # one failed message must not stop the others
            log.exception("timed %s for group %s failed", action.kind, action.group.key)
