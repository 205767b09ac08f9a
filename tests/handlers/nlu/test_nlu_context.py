"""Implicit references: who speaks, the group's recent tickets, quoted messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.nlu import ParseContext, RecentTicket

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def ticket(number, *, status="assigned", reporters=("r1",), owners=("o1",), mentioned=None,
           category="elevator", building="3", sources=()):
    return RecentTicket(number=number, category=category, building=building, status=status,
                        reporter_ids=reporters, owner_ids=owners, mentioned_at=mentioned,
                        source_message_ids=sources)


def ctx(sender, *tickets, **kw):
    return ParseContext(sender_id=sender, now=NOW, recent_tickets=tickets, **kw)


def test_owner_saying_done_after_mention_resolves_that_ticket(parser):
    tickets = (ticket(12, mentioned=NOW - timedelta(minutes=20)),
               ticket(15, mentioned=NOW - timedelta(hours=3)))
    p = parser.parse("修好了", ctx("o1", *tickets))
    assert (p.intent, p.ticket) == ("resolve", 12)
    assert p.confidence >= parser.settings.ticket_threshold


def test_mention_outside_the_window_does_not_count(parser):
    old = ticket(12, mentioned=NOW - timedelta(days=3))
    other = ticket(15, owners=("o1",), mentioned=None)
    p = parser.parse("修好了", ctx("o1", old, other))
    assert p.ticket is None and p.candidates == [12, 15]


def test_naive_database_times_compare_with_an_aware_now(parser):
    naive = ticket(12, mentioned=(NOW - timedelta(minutes=5)).replace(tzinfo=None))
    assert parser.parse("已经换好了", ctx("o1", naive)).ticket == 12


def test_reporter_pressing_urges_their_own_open_ticket(parser):
    tickets = (ticket(7, reporters=("someone",)), ticket(9, reporters=("r1",)),
               ticket(4, reporters=("r1",), status="resolved"))
    p = parser.parse("怎么还没人来修啊", ctx("r1", *tickets))
    assert (p.intent, p.ticket) == ("urge", 9)


def test_reporter_with_two_open_tickets_is_asked_unless_the_text_picks_one(parser):
    tickets = (ticket(9, category="elevator"), ticket(11, category="lighting", building="5"))
    p = parser.parse("怎么还没人来修啊", ctx("r1", *tickets))
    assert p.ticket is None and p.candidates == [9, 11]
    assert p.confidence < parser.settings.ticket_threshold
    p = parser.parse("上次报的楼道灯怎么还没人来修", ctx("r1", *tickets))
    assert p.ticket == 11


def test_someone_else_saying_done_refers_to_nothing(parser):
    p = parser.parse("修好了", ctx("stranger", ticket(12, mentioned=NOW)))
    assert p.ticket is None and p.candidates == []


def test_quoted_message_id_names_the_ticket(parser):
    t = ticket(21, sources=("msg-1",))
    p = parser.parse("这个到现在还没人管", ctx("x", t, quoted_id="msg-1"))
    assert (p.intent, p.ticket) == ("urge", 21)


def test_quoted_text_with_a_number_names_the_ticket(parser):
    p = parser.parse("满意，五星", ctx("r1", quoted_text="物业：#52 已办结，请评价"))
    assert (p.intent, p.ticket, p.rating) == ("rate", 52, 5)


def test_reporter_rating_their_resolved_ticket(parser):
    t = ticket(30, status="resolved")
    p = parser.parse("修得很快，满意", ctx("r1", t, ticket(31, reporters=("zz",))))
    assert (p.intent, p.ticket) == ("rate", 30)


def test_without_context_the_record_is_still_complete(parser):
    record = parser.parse("修好了").contract()
    assert record["intent"] == "resolve" and record["ticket"] is None
    assert set(record) >= {"text", "intent", "category", "building", "unit", "room", "urgent",
                           "ticket", "place", "title", "confidence"}
