"""Ticket actions shared by slash commands and natural-language messages.

Decisions come from the pure `lifecycle` and `routing` modules; this module loads,
checks who may act, writes the change and its event, and queues the replies.
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.commands.registry import CommandError
from handlers.context import Ctx
from handlers.domain import CATEGORY_LABEL, Member, Ticket
from handlers.lifecycle import Refused, transition
from handlers.nlu import Parse
from handlers.nlu.record import KIND_OF_INTENT
from handlers.routing import route_ticket
from handlers.sla import initial_deadline
from storage.repo import same_place

# a role holder's message about the same thing as a live ticket this recent is a progress
# note on it ("东门积水，已经放了沙袋"), not a new report
STAFF_NOTE_WINDOW = timedelta(days=14)
# what someone handling a problem says about their work
PROGRESS = re.compile(
    r"已经?(放|贴|封|修|换|通知|联系|安排|处理|报修|清|派)|正在(修|处理|清|通|抢修|排|联系)|"
    r"在修|安排了|联系了|看过了|去看|去查|查过|查一下|下了(告知书|通知)|责令|整改|"
    r"(明天|后天|周.|礼拜.|下午|上午|马上|等下).{0,6}(来|去)(修|处理|看|查)|厂家.{0,6}来修")
# a neighbour confirming a live report of the last few hours joins it ("9幢我也闻到了",
# "10幢那个滑梯确实裂了", or quoting it): any echo for a message read as chat, a firm one
# for a report of another kind at the same spot ("5幢电梯也坏了" is a new problem)
ECHO_WINDOW = timedelta(hours=3)
ECHO = re.compile(r"我(家|们家?|这边|这里|刚才|刚刚|早上|昨天)?也|也(看到|闻到|听到|碰到|遇到|发现|是)|"
                  r"对的|是的|确实|真的|没错|同样|一样|\+1|同感|同问")
ECHO_FIRM = re.compile(r"我(家|们家?|这边|这里|刚才|刚刚|早上|昨天)?也(看到|闻到|听到|碰到|遇到|发现|觉得|按了|敲了)|"
                       r"对的|是的|确实|真的|没错|\+1|同感")
_SPEAKER = re.compile(r"^\s*[^：:\s]{1,16}[：:]")  # "老严：" before a quoted message
# who may take each action, besides coordinators
_PARTY = {"resolve": "owner", "acknowledge": "owner", "urge": "reporter", "rate": "reporter",
          "reopen": "reporter"}
_ONLY = {"owner": "工单责任人", "reporter": "报告人"}
_VERB = {"assign": "派单", "resolve": "办结", "reopen": "重开", "urge": "催办", "rate": "评价",
         "reject": "驳回", "duplicate": "标记重复", "acknowledge": "认领"}


def label(t: Ticket) -> str:
    cat = CATEGORY_LABEL.get(t.category or "", "")
    return f"#{t.number}" + (f"【{cat}】" if cat else "") + t.title


async def load(ctx: Ctx, number: int) -> Ticket:
    t = await ctx.repo.ticket(ctx.group.id, number)
    if t is None:
        raise CommandError(f"没有找到 #{number} 号工单，请核对编号（发 /清单 可查看）。")
    return t


async def check_may(ctx: Ctx, t: Ticket, action: str) -> None:
    if await ctx.is_coordinator():
        return
    party = _PARTY.get(action)
    if party == "owner" and ctx.is_owner(t) or party == "reporter" and ctx.is_reporter(t):
        return
    who = "协调员" if party is None else f"{_ONLY[party]}或协调员"
    raise CommandError(f"抱歉，只有{who}可以{_VERB[action]} #{t.number}。")


async def apply(ctx: Ctx, t: Ticket, action: str, detail: dict | None = None, **fields) -> str:
    """Move `t` by `action` (refusing with the reason), record the event, return new status."""
    try:
        status = transition(t.status, action, t.number)
    except Refused as e:
        raise CommandError(e.reason) from None
    changes = dict(fields)
    if status != t.status:
        changes["status"] = status
    if action == "resolve":
        changes["resolved_at"] = ctx.now
    if status == "closed":
        changes["closed_at"] = ctx.now
    if action in ("acknowledge", "resolve") and t.acknowledged_at is None:
        changes["acknowledged_at"] = ctx.now
    if changes:
        await ctx.repo.update_ticket(t, ctx.now, **changes)
    event = {"assign": "assigned", "urge": "urged", "resolve": "resolved", "reopen": "reopened",
             "rate": "rated", "reject": "rejected", "duplicate": "merged",
             "acknowledge": "acknowledged"}[action]
    await ctx.repo.add_event(t.id, event, ctx.sender, ctx.now, detail or {})
    return status


# -- new reports -------------------------------------------------------------

async def register(ctx: Ctx, p: Parse, text: str) -> Ticket:
    """Make a ticket from a parsed report/need/offer, or join a live one (pile-on)."""
    kind = KIND_OF_INTENT.get(p.intent, "problem")
    category = p.category or "other"
    if kind == "problem" and not p.urgent:
        note_on = await note_progress(ctx, p, text)
        if note_on is not None:  # staff on a live ticket: a progress note, no new ticket
            return note_on
    same = await pileon_of(ctx, p)
    if same is not None:
        await merge_into(ctx, same, p)
        return same
    owners = await owners_for(ctx, kind, category, p.building)
    urgent = p.urgent and kind == "problem"
    due_at, complexity = initial_deadline(
        kind=kind, category=category, urgent=urgent, created_at=ctx.now,
        settings=ctx.config.schedule.for_group(ctx.group.key, ctx.group.room_id))
    t = await ctx.repo.create_ticket(
        group_id=ctx.group.id, kind=kind, category=category, title=title_of(p, text),
        text=text, reporter=ctx.sender, owners=owners, urgent=urgent, now=ctx.now,
        building=p.building, unit=p.unit, room=p.room, place=p.place,
        source_message_id=ctx.msg.id or ctx.msg_key, due_at=due_at, complexity=complexity)
    await ctx.reply(created_text(t, owners), owners)
    return t


async def pileon_of(ctx: Ctx, p: Parse) -> Ticket | None:
    """The live problem of the same category at the same building or spot, opened within
    the group's pile-on window, that a report of it should join."""
    window = timedelta(minutes=ctx.gconf.pileon_window_minutes)
    if KIND_OF_INTENT.get(p.intent, "problem") != "problem" or not window:
        return None
    return await ctx.repo.find_pileon(ctx.group.id, "problem", p.category or "other", p.building,
                                      p.place, ctx.now - window)


async def echo_target(ctx: Ctx, p: Parse, text: str, quote: str | None) -> Ticket | None:
    """The live problem a message confirms, if it is one: it quotes the report's words, or
    says "我也…" / "确实" about the same building or spot as exactly one report of the last
    few hours (by someone else). None when nothing fits or several do."""
    firm = ECHO_FIRM.search(text[:60])
    if not quote and not (firm or (p.intent == "chat" and ECHO.search(text[:60]))):
        return None
    since = ctx.now - ECHO_WINDOW
    live = [t for t in await ctx.repo.tickets(ctx.group.id, kind="problem", newest_first=True,
                                              statuses=("open", "assigned", "reopened"))
            if not ctx.is_reporter(t)]
    if quote:  # a reply to a live report, not naming another building, is about it
        head = "".join(_SPEAKER.sub("", quote).split())[:12]
        quoted = [t for t in live if head and head in "".join(t.text.split())]
        if len(quoted) == 1 and p.building in (None, quoted[0].building) \
                and (p.intent == "report" or ECHO.search(text)):
            return quoted[0]
        if not firm:
            return None
    if not (p.building or p.place):
        return None
    fits = [t for t in live if t.created_at >= since and at_spot(t, p)]
    return fits[0] if len(fits) == 1 else None


def at_spot(t: Ticket, p: Parse) -> bool:
    """The ticket is where the message is: its building, or (without one) the same spot."""
    return t.building == p.building if p.building else same_place(t.place, p.place)


async def note_progress(ctx: Ctx, p: Parse, text: str) -> Ticket | None:
    """Log what staff say about a live ticket on it (silently); the ticket, if any."""
    if not await is_staff(ctx):
        return None
    t = await progress_target(ctx, p.category or "other", p, text)
    if t is not None:
        await ctx.repo.add_event(t.id, "commented", ctx.sender, ctx.now,
                                 {"text": text[:500], "message": ctx.msg.id or ctx.msg_key})
    return t


async def progress_target(ctx: Ctx, category: str, p: Parse, text: str) -> Ticket | None:
    """The live ticket a staff message is about: the same thing (category and spot) when
    the sender owns it or coordinates, or anything at that spot when the message says what
    is being done ("东门积水已经放了沙袋")."""
    since = ctx.now - STAFF_NOTE_WINDOW
    same = await ctx.repo.find_pileon(ctx.group.id, "problem", category, p.building, p.place, since)
    if same is not None and (ctx.is_owner(same) or await ctx.is_coordinator()):
        return same
    if not PROGRESS.search(text) or not (p.building or p.place):
        return None
    live = await ctx.repo.tickets(ctx.group.id, kind="problem", newest_first=True,
                                  statuses=("open", "assigned", "reopened"))
    return next((t for t in live if t.created_at >= since and at_spot(t, p)), None)


async def is_staff(ctx: Ctx) -> bool:
    """The sender coordinates or holds a role (九长, property, committees)."""
    return any(r.member.id == ctx.sender.id for r in await ctx.roles()) \
        or await ctx.is_coordinator()


async def owners_for(ctx: Ctx, kind: str, category: str, building: str | None) -> list[Member]:
    if kind == "offer":  # the resource list is the coordinators'
        return await ctx.coordinators()
    owners = route_ticket(category, building, await ctx.roles(), ctx.gconf.route_table(), [])
    return owners or await ctx.coordinators()


def title_of(p: Parse, text: str) -> str:
    if p.title:
        return p.title[:40]
    flat = " ".join(text.split())
    return flat[:24] + ("…" if len(flat) > 24 else "")


def mention_names(members: list[Member]) -> str:
    return " ".join(f"@{m.name}" for m in members)


def created_text(t: Ticket, owners: list[Member]) -> str:
    who = mention_names(owners)
    if t.kind == "offer":
        return f"谢谢您！已记入资源清单 {label(t)}。{who} 需要时会联系您。"
    if t.kind == "need":
        return f"已记入需求清单 {label(t)}，请 {who} 跟进，谢谢！"
    if t.urgent:
        return f"【紧急】已登记 {label(t)}，请 {who} 立即处理！如有危险请先拨打110/119。"
    return f"已登记 {label(t)}，请 {who} 处理，谢谢！"


async def merge_into(ctx: Ctx, t: Ticket, p: Parse) -> None:
    added = await ctx.repo.add_reporter(t, ctx.sender, ctx.msg.id or ctx.msg_key, ctx.now)
    await ctx.repo.add_event(t.id, "merged", ctx.sender, ctx.now,
                             {"message": ctx.msg.id or ctx.msg_key, "co_reporter": added})
    if p.urgent and not t.urgent:
        await ctx.repo.update_ticket(t, ctx.now, urgent=True)
    n = len(t.reporters)
    urgent = "【紧急】" if t.urgent else ""
    await ctx.reply(f"{urgent}已合并到 #{t.number}（已有{n}位居民反映），请 {mention_names(t.owners)} "
                    f"抓紧处理。", t.owners)


# -- actions on existing tickets ---------------------------------------------

async def resolve(ctx: Ctx, t: Ticket, note: str = "") -> None:
    await check_may(ctx, t, "resolve")
    await apply(ctx, t, "resolve", {"note": note})
    extra = f"：{note}" if note else "。"
    await ctx.reply(f"{label(t)} 已办结{extra}\n{mention_names(t.reporters)} 如果没修好请回复“没修好”"
                    f"或 /重开 {t.number}；满意的话请 /评价 {t.number} 5。", t.reporters)


async def urge(ctx: Ctx, t: Ticket) -> None:
    await check_may(ctx, t, "urge")
    await apply(ctx, t, "urge")
    owners = t.owners or await ctx.coordinators()
    await ctx.reply(f"已催办 {label(t)}，请 {mention_names(owners)} 尽快处理并回复进展。", owners)


async def reopen(ctx: Ctx, t: Ticket, why: str = "") -> None:
    await check_may(ctx, t, "reopen")
    await apply(ctx, t, "reopen", {"why": why}, resolved_at=None, closed_at=None, rating=None)
    owners = t.owners or await ctx.coordinators()
    await ctx.reply(f"{label(t)} 已重开，请 {mention_names(owners)} 再看一下，谢谢！", owners)


async def rate(ctx: Ctx, t: Ticket, stars: int | None, words: str = "") -> None:
    await check_may(ctx, t, "rate")
    await apply(ctx, t, "rate", {"stars": stars, "words": words}, rating=stars)
    shown = f"{stars}星" if stars else "评价"
    await ctx.reply(f"谢谢您对 #{t.number} 的{shown}，已记录，工单关闭。")


async def acknowledge(ctx: Ctx, t: Ticket) -> None:
    await check_may(ctx, t, "acknowledge")
    await apply(ctx, t, "acknowledge")
    await ctx.reply(f"好的，{ctx.sender.name} 已认领 {label(t)}。")
