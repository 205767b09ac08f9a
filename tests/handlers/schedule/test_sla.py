"""The SLA as tables: deadlines, quiet hours, the nag plan and its daily limit."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers import sla
from handlers.schedule.settings import ScheduleSettings
from handlers.sla import TicketClock

TZ = ZoneInfo("Asia/Shanghai")
S = ScheduleSettings()


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=TZ)


@pytest.mark.parametrize(("reported", "kind", "urgent", "complex_", "due"), [
    (at(2, 9), "problem", False, False, at(2, 18)),  # simple: same day by 18:00
    (at(2, 15, 59), "problem", False, False, at(2, 18)),
    (at(2, 16), "problem", False, False, at(3, 18)),  # reported late: next day
    (at(2, 23, 30), "problem", False, False, at(3, 18)),
    (at(3, 2), "problem", False, False, at(3, 18)),  # small hours count as that day
    (at(2, 9), "problem", True, False, at(2, 13)),  # urgent: 4 hours
    (at(2, 9), "problem", True, True, at(2, 13)),  # urgency wins over complexity
    (at(2, 9), "problem", False, True, at(5, 9)),  # complex: 3 days
    (at(2, 9), "need", False, True, at(5, 9)),
    (at(2, 9), "offer", False, False, None),  # an offer asks nothing of anyone
])
def test_deadline_for(reported, kind, urgent, complex_, due):
    got = sla.deadline_for(reported, kind=kind, urgent=urgent, complex_=complex_, settings=S)
    assert got == due


@pytest.mark.parametrize(("kind", "category", "complexity", "expected"), [
    ("problem", "lighting", None, False),
    ("problem", "illegal_construction", None, True),
    ("problem", "property_service", None, True),
    ("need", "lighting", None, True),  # a need is answered, not fixed the same day
    ("problem", "illegal_construction", "simple", False),  # a coordinator's word wins
    ("problem", "lighting", "complex", True),
])
def test_is_complex(kind, category, complexity, expected):
    assert sla.is_complex(kind, category, complexity, S) is expected


def test_complex_categories_come_from_config():
    s = ScheduleSettings(complex_categories=["lighting"])
    assert sla.is_complex("problem", "lighting", None, s)
    assert not sla.is_complex("problem", "illegal_construction", None, s)


@pytest.mark.parametrize(("t", "quiet", "released"), [
    (at(2, 21, 59), False, at(2, 21, 59)),
    (at(2, 22), True, at(3, 7, 30)),
    (at(2, 23, 45), True, at(3, 7, 30)),
    (at(3, 0, 10), True, at(3, 7, 30)),
    (at(3, 7, 29), True, at(3, 7, 30)),
    (at(3, 7, 30), False, at(3, 7, 30)),
    (at(3, 12), False, at(3, 12)),
])
def test_quiet_hours_across_midnight(t, quiet, released):
    assert sla.in_quiet_hours(t, S) is quiet
    assert sla.after_quiet_hours(t, S) == released


def test_quiet_hours_within_one_day():
    s = ScheduleSettings(quiet_start="12:00", quiet_end="14:00")
    assert sla.in_quiet_hours(at(2, 13), s)
    assert not sla.in_quiet_hours(at(2, 23), s)
    assert sla.after_quiet_hours(at(2, 13), s) == at(2, 14)


def test_urgent_messages_ignore_quiet_hours():
    assert sla.hold(at(2, 23), True, S) == at(2, 23)
    assert sla.hold(at(2, 23), False, S) == at(3, 7, 30)


def clock(**kw) -> TicketClock:
    base = dict(id=7, kind="problem", category="lighting", urgent=False, status="assigned",
                created_at=at(2, 9))
    return TicketClock(**(base | kw))


def keys(plan):
    return [(n.kind, n.audience, n.at) for n in plan]


def test_simple_ticket_first_reminds_owners_at_its_deadline():
    assert keys(sla.nag_plan(clock(), set(), S)) == [("overdue", "owners", at(2, 18))]


def test_escalation_follows_the_reminder_after_the_configured_wait():
    t = clock()
    first = sla.nag_plan(t, set(), S)[0]
    assert keys(sla.nag_plan(t, {first.key}, S)) == [("escalate", "coordinators", at(3, 18))]
    s = ScheduleSettings(escalate_after_hours=2)
    assert keys(sla.nag_plan(t, {first.key}, s)) == [("escalate", "coordinators", at(2, 20))]


def test_nothing_more_once_escalated():
    t = clock()
    sent = {n.key for n in sla.nag_plan(t, set(), S)}
    sent |= {n.key for n in sla.nag_plan(t, sent, S)}
    assert sla.nag_plan(t, sent, S) == []


def test_deadline_in_quiet_hours_reminds_in_the_morning():
    t = clock(created_at=at(2, 16, 30), due_at=at(2, 23))
    assert keys(sla.nag_plan(t, set(), S)) == [("overdue", "owners", at(3, 7, 30))]


def test_urgent_unacknowledged_escalates_after_30_minutes_even_at_night():
    t = clock(urgent=True, created_at=at(2, 23))
    plan = sla.nag_plan(t, set(), S)
    assert keys(plan) == [("ack", "coordinators", at(2, 23, 30)),
                          ("overdue", "owners", at(3, 3))]


def test_acknowledged_urgent_ticket_is_not_escalated_for_silence():
    t = clock(urgent=True, acknowledged_at=at(2, 9, 10))
    assert [n.kind for n in sla.nag_plan(t, set(), S)] == ["overdue"]


def test_urgent_escalation_comes_an_hour_after_the_deadline():
    t = clock(urgent=True, acknowledged_at=at(2, 9, 10))
    first = sla.nag_plan(t, set(), S)[0]
    assert keys(sla.nag_plan(t, {first.key}, S)) == [("escalate", "coordinators", at(2, 14))]


def test_urging_after_the_deadline_brings_escalation_forward():
    t = clock(urged_at=(at(2, 12), at(2, 20)))  # the first urge came before the deadline
    first = sla.nag_plan(t, set(), S)[0]
    assert keys(sla.nag_plan(t, {first.key}, S)) == [("escalate", "coordinators", at(2, 20))]


def test_urging_at_night_escalates_in_the_morning():
    t = clock(urged_at=(at(2, 23),))
    first = sla.nag_plan(t, set(), S)[0]
    assert keys(sla.nag_plan(t, {first.key}, S)) == [("escalate", "coordinators", at(3, 7, 30))]


def test_daily_limit_moves_the_next_nag_to_the_next_morning():
    s = ScheduleSettings(max_nags_per_day=1, escalate_after_hours=1)
    t = clock()
    first = sla.nag_plan(t, set(), s)[0]
    plan = sla.nag_plan(t, {first.key}, s, nag_times=[at(2, 18)])
    assert keys(plan) == [("escalate", "coordinators", at(3, 7, 30))]


def test_daily_limit_counts_per_local_day():
    s = ScheduleSettings(max_nags_per_day=2)
    assert sla.within_daily_limit(at(3, 10), [at(2, 10), at(2, 11)], s) == at(3, 10)
    assert sla.within_daily_limit(at(2, 12), [at(2, 10), at(2, 11)], s) == at(3, 7, 30)


def test_new_deadline_earns_a_new_reminder():
    t = clock()
    first = sla.nag_plan(t, set(), S)[0]
    later = clock(due_at=at(5, 18))
    assert keys(sla.nag_plan(later, {first.key}, S)) == [("overdue", "owners", at(5, 18))]


def test_reopened_after_the_deadline_gets_a_fresh_one():
    t = clock(status="reopened", due_at=at(2, 18), reopened_at=at(4, 10))
    assert sla.effective_deadline(t, S) == at(4, 18)


def test_resolved_ticket_without_rating_closes_after_the_quiet_period():
    t = clock(status="resolved", resolved_at=at(2, 17))
    assert keys(sla.nag_plan(t, set(), S, close_after=timedelta(days=3))) == [
        ("close", "group", at(5, 17))]
    assert sla.nag_plan(clock(status="resolved", resolved_at=at(2, 17), rated=True), set(), S) == []


@pytest.mark.parametrize("status", ["closed", "rejected", "duplicate"])
def test_finished_tickets_have_no_plan(status):
    assert sla.nag_plan(clock(status=status), set(), S) == []


def test_due_nags_returns_the_earliest_due_one_only():
    t = clock(urgent=True, created_at=at(2, 9))
    assert sla.due_nags(t, set(), at(2, 9, 29), S) is None
    assert sla.due_nags(t, set(), at(2, 20), S).kind == "ack"
    assert sla.next_nag_at(t, set(), S) == at(2, 9, 30)


def test_escalation_waits_an_hour_after_a_late_reminder():
    t = clock()
    first = sla.nag_plan(t, set(), S)[0]
    # the reminder went out two days late (the bot was down): owners still get an hour
    plan = sla.nag_plan(t, {first.key}, S, nag_times=[at(4, 10)])
    assert keys(plan) == [("escalate", "coordinators", at(4, 11))]


@pytest.mark.parametrize(("kind", "category", "urgent", "expected"), [
    ("problem", "lighting", False, (at(2, 18), "simple")),
    ("problem", "lighting", True, (at(2, 13), "simple")),
    ("problem", "illegal_construction", False, (at(5, 9), "complex")),
    ("need", "other", False, (at(5, 9), "complex")),
    ("offer", "other", False, (None, "simple")),
])
def test_initial_deadline_for_new_tickets(kind, category, urgent, expected):
    got = sla.initial_deadline(kind=kind, category=category, urgent=urgent,
                               created_at=at(2, 9), settings=S)
    assert got == expected
