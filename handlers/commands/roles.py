"""/角色: who holds which role (九长 and the three parties), optionally per building."""

from __future__ import annotations

from handlers.commands.args import buildings, mentioned_members, split, strip_mentions
from handlers.commands.registry import CommandError, UsageError, Who, command
from handlers.context import Ctx
from handlers.domain import ROLE_BY_LABEL, ROLE_LABEL


def role_code(word: str) -> str:
    if word in ROLE_LABEL:
        return word
    if word in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[word]
    if word in ("协调员", "coordinator"):
        return "coordinator"
    raise CommandError(f"没有“{word}”这个角色。可用：{'、'.join(ROLE_LABEL.values())}、协调员。")


@command("角色", "role", usage="/角色 @某人 角色 [5幢,6幢]", who=Who.COORDINATOR,
         summary="设置谁负责什么（加“取消”可撤销；不带参数查看全部）",
         example="/角色 @物业小王 物业 5幢,6幢")
async def set_role(ctx: Ctx, args: str) -> None:
    if not args.strip():
        await list_roles(ctx)
        return
    if not await ctx.is_coordinator():
        raise CommandError("抱歉，只有协调员可以设置角色。")
    members = await mentioned_members(ctx, args)
    words = split(strip_mentions(args, ctx))
    if not members or not words:
        raise UsageError()
    remove = words[0] in ("取消", "撤销", "删除", "remove")
    if remove:
        words = words[1:]
        if not words:
            raise UsageError()
    code = role_code(words[0])
    scope = buildings(words[1:])
    label = ROLE_LABEL.get(code, "协调员")
    for m in members:
        if remove:
            await ctx.repo.remove_role(ctx.group.id, m, code)
        else:
            await ctx.repo.set_role(ctx.group.id, m, code, scope, ctx.sender, ctx.now)
    ctx.roles_changed()
    names = "、".join(m.name for m in members)
    where = f"（{'、'.join(b + '幢' for b in scope)}）" if scope else ""
    verb = "不再担任" if remove else "担任"
    await ctx.reply(f"好的，{names} {verb}{label}{where}。", [] if remove else members)


async def list_roles(ctx: Ctx) -> None:
    roles = [r for r in await ctx.roles()]
    if not roles:
        await ctx.reply("还没有设置角色。协调员可以发：/角色 @某人 物业")
        return
    lines = ["本群角色："]
    for r in roles:
        scope = f"（{'、'.join(sorted(r.buildings))}幢）" if r.buildings else ""
        lines.append(f"{ROLE_LABEL.get(r.role, '协调员')}{scope}：{r.member.name}")
    await ctx.reply("\n".join(lines))
