"""Reading command arguments: ticket numbers, @mentions, buildings, stars."""

from __future__ import annotations

import re

from handlers.commands.registry import UsageError
from handlers.context import Ctx
from handlers.domain import Member

_NUM = re.compile(r"^#?(\d{1,7})(?:号)?$")
_MENTION = re.compile(r"@([^\s@\u2005]+)")


def split(args: str) -> list[str]:
    return [a for a in re.split(r"[\s,，、]+", args.strip()) if a]


def ticket_no(word: str | None, hint: str = "") -> int:
    m = _NUM.match(word or "")
    if not m:
        raise UsageError(hint or "请写上工单编号，比如 12 或 #12。")
    return int(m.group(1))


def take_ticket(args: str) -> tuple[int, str]:
    """The leading ticket number and the rest of the text."""
    m = re.match(r"\s*#?(\d{1,7})(?:号)?(?:\s+|$)(.*)", args, re.S)
    if not m:
        raise UsageError("请写上工单编号，比如 12 或 #12。")
    return int(m.group(1)), m.group(2).strip()


async def mentioned_members(ctx: Ctx, args: str) -> list[Member]:
    """Members named by @mention: from the transport's mention list, else by display name."""
    out: list[Member] = []
    for p in ctx.msg.mentions:
        out.append(await ctx.repo.ensure_member(ctx.group.id, p.id, p.name, ctx.now))
    if out:
        return out
    for name in _MENTION.findall(args):
        m = await ctx.repo.member_by_name(ctx.group.id, name)
        if m is None:
            m = await ctx.repo.ensure_member(ctx.group.id, name, name, ctx.now)
        out.append(m)
    return out


def strip_mentions(args: str, ctx: Ctx) -> str:
    for p in ctx.msg.mentions:
        args = args.replace(f"@{p.name}", " ")
    return _MENTION.sub(" ", args).strip()


def buildings(words: list[str]) -> list[str]:
    out = []
    for w in words:
        m = re.fullmatch(r"(\d{1,4})(?:幢|栋|号楼|座|号)?", w)
        if not m:
            raise UsageError(f"楼栋“{w}”看不懂，请写成 5幢 或 5。")
        out.append(m.group(1))
    return out
