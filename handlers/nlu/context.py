"""Implicit ticket references, from who is speaking and the group's recent tickets.

- A quoted reply refers to the quoted message's ticket: "#12" in the quoted text, or
  a recent ticket whose `source_message_ids` holds the quoted message id.
- An owner of a ticket saying it is done ("修好了") after the bot @mentioned them on
  it refers to that ticket (the latest mention within `mention_window_hours`).
- A reporter pressing ("还没人来") refers to their own open ticket.
- A reporter judging finished work refers to their own recently closed ticket.
When several tickets fit and the message's category or building does not single one
out, the ticket stays None, `candidates` lists them, and confidence drops below the
ticket threshold so the handler asks which one instead of guessing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.nlu.record import Parse, ParseContext, RecentTicket
from handlers.nlu.settings import NluSettings

CLOSED = frozenset({"resolved", "closed", "done", "rated", "cancelled"})
IMPLICIT = ("urge", "resolve", "rate")


def resolve_reference(p: Parse, ctx: ParseContext, settings: NluSettings) -> None:
    """Fill `p.ticket` (or `p.candidates`) from context when the text did not name one."""
    if p.ticket is not None:
        return
    if ctx.quoted_id:
        quoted = [t for t in ctx.recent_tickets if ctx.quoted_id in t.source_message_ids]
        if len(quoted) == 1:
            p.ticket = quoted[0].number
            if p.intent not in IMPLICIT and p.intent != "chat":
                p.intent = "urge"
            return
    if p.intent not in IMPLICIT or not ctx.sender_id:
        return
    _choose(p, _candidates(p, ctx, settings), settings)


def _candidates(p: Parse, ctx: ParseContext, settings: NluSettings) -> list[RecentTicket]:
    me = ctx.sender_id
    if p.intent == "resolve":
        owned = [t for t in ctx.recent_tickets if me in t.owner_ids and _open(t)]
        mentioned = [t for t in owned if _recent(t, ctx, settings.mention_window_hours)]
        if mentioned:
            latest = max(t.mentioned_at for t in mentioned)
            return [t for t in mentioned if t.mentioned_at == latest]
        return owned or [t for t in ctx.recent_tickets if me in t.reporter_ids and _open(t)]
    if p.intent == "urge":  # pressing on their own ticket; a just-resolved one may be reopened
        mine = [t for t in ctx.recent_tickets if me in t.reporter_ids]
        return [t for t in mine if _open(t)] or mine
    return [t for t in ctx.recent_tickets if me in t.reporter_ids and not _open(t)]


def _choose(p: Parse, found: list[RecentTicket], settings: NluSettings) -> None:
    if len(found) > 1:
        narrowed = [t for t in found if _fits(p, t)]
        found = narrowed or found
    if len(found) == 1:
        p.ticket = found[0].number
        p.confidence = max(p.confidence, settings.ticket_threshold)
    elif found:
        p.candidates = sorted(t.number for t in found)
        p.confidence = min(p.confidence, (settings.ticket_threshold + settings.confirm_threshold) / 2)


def _fits(p: Parse, t: RecentTicket) -> bool:
    if p.category is None and p.building is None:
        return False
    return ((p.category is None or p.category == t.category)
            and (p.building is None or p.building == t.building))


def _open(t: RecentTicket) -> bool:
    return t.status not in CLOSED


def _recent(t: RecentTicket, ctx: ParseContext, hours: float) -> bool:
    if t.mentioned_at is None:
        return False
    if ctx.now is None:
        return True
    now, then = ctx.now, t.mentioned_at
    if (now.tzinfo is None) != (then.tzinfo is None):  # SQLite hands back naive UTC
        now, then = _naive_utc(now), _naive_utc(then)
    return timedelta(0) <= now - then <= timedelta(hours=hours)


def _naive_utc(d: datetime) -> datetime:
    return d if d.tzinfo is None else d.astimezone(UTC).replace(tzinfo=None)
