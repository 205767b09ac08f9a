"""What the bot does with one stored message: a command, an answer to its question,
or natural chat read by the parser."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from copy import copy
from dataclasses import replace
from datetime import timedelta

import handlers.commands  # noqa: F401  (registers every command)
from handlers import tickets as T
from handlers.commands.registry import (
    CommandError,
    UsageError,
    closest,
    find,
    usage_reply,
)
from handlers.context import Ctx
from handlers.nlu import Parse, ParseContext
from handlers.nlu.record import ACTIONABLE
from handlers.nlu.text import clean
from storage.repo import recent_context

log = logging.getLogger(__name__)

MAX_PARSE_CHARS = 1000
MEDIA_REPLY = "收到您发的{what}。我只能看懂文字，请用文字描述一下问题（哪栋楼、什么情况），方便登记。"
MEDIA_QUIET = timedelta(minutes=30)
# "me too" in a quoted reply: the sender has the same problem as the quoted report
ME_TOO = re.compile(r"我(家|们家?|这边|这里)?也(是|一样|这样|坏|停|有)|同样|一样的|\+1|同问")
MEDIA_NAMES = {"image": "图片", "voice": "语音", "file": "文件", "link": "链接", "video": "视频"}
CONFIRM_QUESTION = "要登记为问题吗？回复 1 登记，回复 2 不用。"
# the same question for the other two lists
CONFIRM_BY_INTENT = {"report": CONFIRM_QUESTION,
                     "need": "要登记到需求清单吗？回复 1 登记，回复 2 不用。",
                     "offer": "要登记到资源清单吗？回复 1 登记，回复 2 不用。"}
# the answer the resolve reply asks for: "如果没修好请回复“没修好”"
NOT_FIXED = re.compile(r"没(有)?(修|弄|搞|处理)好|还是(坏|不行|不亮|漏|堵|没好|老样子)|还没(好|修好)|"
                       r"又(坏|不亮|漏|堵)了|根本没(修|弄|处理)")
_YES = {"1", "是", "要", "登记", "好", "好的", "对", "嗯", "是的", "要的"}
_NO = {"2", "不", "不用", "不要", "否", "算了", "不是"}


# full-width slash, hash, at, digits and Latin letters, and the ideographic space, to
# half-width; Chinese punctuation (，：！) stays as the sender wrote it
_HALF = {0xFF0F: "/", 0xFF03: "#", 0xFF20: "@", 0x3000: " "}
_HALF |= {c: chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
_HALF |= {c: chr(c - 0xFEE0) for r in ((0xFF21, 0xFF3B), (0xFF41, 0xFF5B)) for c in range(*r)}


def normalise(text: str, bot_name: str) -> str:
    """Full-width command characters to half-width, and no leading @bot."""
    t = text.translate(_HALF).strip()
    for prefix in (f"@{bot_name}", f"@ {bot_name}"):
        if t.startswith(prefix):
            t = t[len(prefix):].lstrip(" \u2005,，:：")
    return t


async def answer_media(ctx: Ctx) -> None:
    """One polite line asking for words; a sticker is chat, and a burst of photos from one
    person gets the line once (not again within MEDIA_QUIET)."""
    if ctx.msg.kind == "sticker" or ctx.msg.room is None and ctx.msg.kind == "other":
        return
    if await ctx.repo.recent_media(ctx.msg.room, ctx.sender.ext_id, ctx.msg_key,
                                   ctx.msg.at - MEDIA_QUIET):
        return
    await ctx.reply(MEDIA_REPLY.format(what=MEDIA_NAMES.get(ctx.msg.kind, "消息")))


def split_command(text: str) -> tuple[str, str] | None:
    if not text.startswith("/"):
        return None
    m = re.match(r"/\s*([^\s\d#/@]*)\s*(.*)", text, re.S)
    return (m.group(1), m.group(2).strip()) if m else ("", "")


def is_quiet_chat(msg, parser, bot_name: str) -> bool:
    """True when a room message needs nothing from the bot: plain chat that is no command,
    no answer to a question, no reply to a quoted message and not addressed to the bot.
    The application then stores it as handled in one step (the hot path: most messages)."""
    if msg.kind != "text" or msg.room is None or msg.mentions_bot or msg.quoted_id \
            or msg.quoted_text:
        return False
    text = normalise(msg.text, bot_name)
    if not text or text.startswith("/") or text.strip(" 。.!！~") in _YES | _NO \
            or text != msg.text.strip() or NOT_FIXED.search(text) or T.PROGRESS.search(text):
        return False
    p = plain_parse(parser, text[:MAX_PARSE_CHARS])
    echo = (p.building or p.place) and T.ECHO.search(text[:60])  # may confirm a live report
    return p.intent == "chat" and p.ticket is None and not echo and not p.maybe


_PLAIN: OrderedDict[tuple[int, str], Parse] = OrderedDict()


def plain_parse(parser, text: str) -> Parse:
    """The context-free reading of `text`, remembered for the few messages in flight (the
    quiet-chat check and the handler read the same text)."""
    key = (id(parser), text)
    if key in _PLAIN:
        return copy(_PLAIN[key])
    p = parser.parse(text)
    _PLAIN[key] = copy(p)
    while len(_PLAIN) > 8:
        _PLAIN.popitem(last=False)
    return p


async def handle(ctx: Ctx) -> None:
    msg = ctx.msg
    if msg.kind != "text":
        await answer_media(ctx)
        return
    text = normalise(msg.text, ctx.config.bot.name)
    if not text:
        raw = msg.text.translate(_HALF).strip()
        if msg.mentions_bot or raw.startswith(f"@{ctx.config.bot.name}"):
            await ctx.reply(f"您好，我是{ctx.config.bot.name}，有问题直接说，或发 /帮助 查看命令。")
        return
    cmd = split_command(text)
    if cmd is not None:
        await run_command(ctx, *cmd)
        return
    if ctx.msg.room is None:
        await ctx.reply("私聊只接受协调员的命令（发 /帮助 查看）。反映问题请在群里说，谢谢！")
        return
    if await answer_prompt(ctx, text) or await answer_not_fixed(ctx, text):
        return
    await understand(ctx, text)


async def run_command(ctx: Ctx, word: str, args: str) -> None:
    spec = find(word)
    if spec is None:
        near = closest(word) if word else None
        hint = f"您是不是想用 {near.usage}？" if near else ""
        await ctx.reply(f"没有“/{word}”这个命令。{hint}发 /帮助 查看全部命令。")
        return
    try:
        await spec.fn(ctx, args)
    except UsageError as e:
        await ctx.reply(usage_reply(spec, e.hint))
    except CommandError as e:
        await ctx.reply(e.reason)


async def answer_prompt(ctx: Ctx, text: str) -> bool:
    """The sender answering the bot's one question (register this report?). Only a short
    yes/no can answer it; anything else is a new message (the question was asked once)."""
    word = text.strip(" 。.!！~")
    if word not in _YES and word not in _NO:
        return False
    prompt = await ctx.repo.take_prompt(ctx.group.id, ctx.sender, ctx.now)
    if prompt is None or prompt.kind != "confirm_report":
        return False
    if word in _YES:
        prompt.status = "answered"
        p = Parse(**prompt.payload["parse"])
        await T.register(ctx, p, prompt.payload["text"])
        return True
    prompt.status = "declined"
    await ctx.reply("好的，不登记。")
    return True


async def answer_not_fixed(ctx: Ctx, text: str) -> bool:
    """The reporter answering "没修好" to the resolve reply: reopen their resolved ticket
    (the most recent one resolved within the group's close-after period)."""
    if not NOT_FIXED.search(text) or "#" in text:
        return False
    since = ctx.now - timedelta(days=ctx.gconf.close_after_days)
    mine = [t for t in await ctx.repo.tickets(ctx.group.id, statuses=("resolved",),
                                              newest_first=True)
            if ctx.is_reporter(t) and t.resolved_at and t.resolved_at >= since]
    if not mine:
        return False
    mine.sort(key=lambda t: t.resolved_at, reverse=True)
    await T.reopen(ctx, mine[0], "报告人反映没修好")
    return True


async def understand(ctx: Ctx, text: str) -> None:
    clipped = text[:MAX_PARSE_CHARS]
    p = plain_parse(ctx.parser, clipped)
    if p.intent in ("urge", "resolve", "rate") or ctx.msg.quoted_id or ctx.msg.quoted_text:
        recent = await recent_context(ctx.session, ctx.group.id)
        p = ctx.parser.parse(clipped, ParseContext(
            sender_id=ctx.sender.ext_id, now=ctx.now, recent_tickets=recent,
            quoted_id=ctx.msg.quoted_id, quoted_text=ctx.msg.quoted_text))
    if ctx.refine is not None:  # the optional LLM, for messages in the unsure band only
        p = await ctx.refine(p, clipped)
    nlu = ctx.config.nlu
    if p.intent == "chat" and T.PROGRESS.search(clipped):  # staff saying what is being done
        if await T.note_progress(ctx, p, clipped) is not None:
            return
    if p.ticket is None and p.intent in ("chat", "report"):
        quote = ctx.msg.quoted_text or clean(clipped).quote
        echoed = await T.echo_target(ctx, p, clipped, quote)
        if echoed is not None:
            await T.merge_into(ctx, echoed, p)
            return
    if p.intent in ACTIONABLE:
        if p.confidence >= nlu.ticket_threshold:
            await T.register(ctx, p, text)
        elif p.confidence >= nlu.confirm_threshold and not await join_same(ctx, p):
            await ask_to_register(ctx, p, text)
        return
    if p.intent == "chat" and p.maybe and p.ticket is None and not ctx.msg.quoted_id:
        # a report the parser doubts: ask once rather than stay silent or register it
        p = replace(p, intent=p.maybe, confidence=nlu.confirm_threshold)
        if not await join_same(ctx, p):
            await ask_to_register(ctx, p, text)
        return
    if ctx.msg.quoted_id and p.ticket is not None and p.intent in ("report", "chat") \
            and (p.intent == "report" or ME_TOO.search(clipped)):
        await join_quoted(ctx, p)
        return
    if p.intent in ("urge", "resolve", "rate"):
        if p.ticket is not None:
            await act_on_reference(ctx, p)
        elif len(p.candidates) > 1:
            await ask_which(ctx, p)


async def join_same(ctx: Ctx, p: Parse) -> bool:
    """An unsure report of what a live ticket already holds (same kind, same building or
    spot) joins it rather than being asked about: it adds nothing new to register."""
    same = await T.pileon_of(ctx, p)
    if same is None or ctx.is_reporter(same):
        return False
    await T.merge_into(ctx, same, p)
    return True


async def join_quoted(ctx: Ctx, p: Parse) -> None:
    """A neighbour quoting a report with "我家也是" (or the same problem) joins its ticket."""
    t = await ctx.repo.ticket(ctx.group.id, p.ticket)
    if t is not None and t.is_live and not ctx.is_reporter(t):
        await T.merge_into(ctx, t, p)


async def ask_which(ctx: Ctx, p: Parse) -> None:
    """Several tickets fit "修好了" / "还没人来": ask instead of guessing."""
    shown = "还是".join(f" #{n} " for n in p.candidates[:3]).strip()
    example = {"urge": "怎么还没人来", "resolve": "修好了", "rate": "很满意"}[p.intent]
    await ctx.reply(f"请问说的是{shown}？请带上编号再说一次，比如“#{p.candidates[0]} {example}”。",
                    [ctx.sender])


async def ask_to_register(ctx: Ctx, p: Parse, text: str) -> None:
    from dataclasses import asdict

    await ctx.repo.open_prompt(ctx.group.id, ctx.sender, "confirm_report",
                               {"parse": asdict(p), "text": text}, ctx.msg_key, ctx.now,
                               timedelta(hours=2))
    await ctx.reply(CONFIRM_BY_INTENT.get(p.intent, CONFIRM_QUESTION), [ctx.sender])


async def act_on_reference(ctx: Ctx, p: Parse) -> None:
    """"#12 修好了" from an owner, "#12 怎么还没人管" from the reporter: act like the command.
    People who may not act on the ticket are not answered (it is chat to them)."""
    t = await ctx.repo.ticket(ctx.group.id, p.ticket)
    if t is None:
        return
    if p.intent == "urge" and t.status == "resolved" and ctx.is_reporter(t):
        action, fn = "reopen", lambda: T.reopen(ctx, t, "报告人反映没修好")
    elif p.intent == "urge":
        action, fn = "urge", lambda: T.urge(ctx, t)
    elif p.intent == "resolve":
        action, fn = "resolve", lambda: T.resolve(ctx, t)
    else:
        action, fn = "rate", lambda: T.rate(ctx, t, p.rating)
    try:
        await T.check_may(ctx, t, action)
    except CommandError:
        if action == "urge" and ctx.msg.quoted_id and t.is_live:
            await join_quoted(ctx, p)  # a neighbour pressing on the report they quote
            return
        log.info("natural %s of #%s by %s not permitted; ignored", action, t.number, ctx.sender.name)
        return
    try:
        await fn()
    except CommandError as e:
        await ctx.reply(e.reason)
