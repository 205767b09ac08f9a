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

from handlers import sla
from handlers.schedule import store
from handlers.schedule.settings import ScheduleSettings
from handlers.timed import timed_job

log = logging.getLogger(__name__)

MORNING_GRACE = timedelta(hours=4)
RUN_LOG_WINDOW = timedelta(days=15)  # how far back group-level runs are looked up


@dataclass(slots=True)
class Snapshot:
    fingerprint: tuple
    clocks: list[sla.TicketClock]
    where: dict[int, tuple[int, int]]
    sent: dict[int, set[str]]
    nag_times: dict[int, list[datetime]]
    groups: list[store.GroupInfo]
    group_runs: set[str]
    reminders: list[store.Reminder]
    filled: set[int] = field(default_factory=set)  # tickets whose due_at this process wrote


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
_SETTINGS: dict[tuple[int, str], ScheduleSettings] = {}


def settings_for(app, group: store.GroupInfo) -> ScheduleSettings:
    base: ScheduleSettings = app.config.schedule
    cache_key = (id(base), group.key)
    if cache_key not in _SETTINGS:
        _SETTINGS[cache_key] = base.for_group(group.key, group.room_id)
    return _SETTINGS[cache_key]


def group_conf(app, group: store.GroupInfo):
    """The group's [[groups]] entry, or the defaults served to unconfigured rooms."""
    for g in app.config.groups:
        if g.key == group.key:
            return g
    return app.config.default_group(group.estate).model_copy(update={"key": group.key})


async def snapshot(app, now: datetime) -> Snapshot:
    async with app.session() as repo:
        fp = await store.fingerprint(repo.s)
        cached = _SNAPSHOTS.get(app)
        if cached is not None and cached.fingerprint == fp:
            return cached
        clocks, where = await store.ticket_clocks(repo.s)
        sent, nag_times = await store.ticket_runs(repo.s)
        snap = Snapshot(fp, clocks, where, sent, nag_times, await store.groups(repo.s),
                        await store.group_run_keys(repo.s, now - RUN_LOG_WINDOW),
                        await store.reminders(repo.s))
    _SNAPSHOTS[app] = snap
    return snap


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


def plan(app, snap: Snapshot, now: datetime) -> tuple[list[Action], datetime | None]:
    """What is due at `now`, and the earliest later moment anything else falls due."""
    due: list[Action] = []
    later: list[datetime] = []
    groups = {g.id: g for g in snap.groups}

    def consider(action: Action) -> None:
        if action.at <= now:
            due.append(action)
        else:
            later.append(action.at)

    for c in snap.clocks:
        gid, number = snap.where[c.id]
        g = groups[gid]
        st = settings_for(app, g)
        close_after = timedelta(days=group_conf(app, g).close_after_days)
        nags = sla.nag_plan(c, snap.sent.get(c.id, set()), st, snap.nag_times.get(c.id, ()),
                            close_after)
        if nags:
            consider(Action("nag", nags[0].at, g, nag=nags[0], clock=c, number=number))
    for r in snap.reminders:
        if r.next_run_at is not None and r.group_id in groups:
            consider(Action("reminder", r.next_run_at, groups[r.group_id], reminder=r))
    for g in snap.groups:
        for kind, slots in _group_slots(app, g, now):
            for slot, at in slots:
                if slot_key(kind, g.id, slot) in snap.group_runs or not _slot_relevant(
                        kind, g, slot):
                    continue
                if at <= now:
                    due.append(Action(kind, slot, g))
                else:
                    later.append(at)
                break  # the next slot only matters once this one is done
    return sorted(due, key=lambda a: a.at), min(later, default=None)


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
