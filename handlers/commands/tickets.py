"""Ticket commands: report, view, list, assign, resolve, reopen, urge, rate, reject,
duplicate, acknowledge."""

from __future__ import annotations

from datetime import UTC

from handlers import tickets as T
from handlers.commands.args import mentioned_members, take_ticket, ticket_no
from handlers.commands.registry import CommandError, UsageError, Who, command
from handlers.context import Ctx
from handlers.domain import CATEGORY_LABEL, KIND_LABEL, STATUS_LABEL
from handlers.nlu import ParseContext

_LISTS = {"问题": "problem", "需求": "need", "资源": "offer", "超时": "overdue", "": "all"}
LIST_LIMIT = 15


@command("上报", "report", usage="/上报 问题描述", summary="登记一个问题（也可以直接在群里说）",
         example="/上报 5幢2单元楼道灯坏了")
async def report(ctx: Ctx, args: str) -> None:
    text = args.strip()
    if len(text) < 2:
        raise UsageError("请在 /上报 后面写上问题，比如在哪里、什么情况。")
    p = ctx.parser.parse(text, ParseContext(sender_id=ctx.sender.ext_id, now=ctx.now))
    if p.intent not in ("report", "need", "offer"):
        p.intent = "report"
    await T.register(ctx, p, text)


@command("工单", "ticket", usage="/工单 编号", summary="查看一个工单的详情", example="/工单 12")
async def view(ctx: Ctx, args: str) -> None:
    t = await T.load(ctx, ticket_no(args.strip().split()[0] if args.strip() else ""))
    tz = ctx.now.tzinfo or UTC
    lines = [f"{T.label(t)}（{KIND_LABEL[t.kind]}）",
             f"状态：{STATUS_LABEL[t.status]}" + ("【紧急】" if t.urgent else ""),
             f"位置：{t.where() or '未说明'}",
             f"负责：{'、'.join(o.name for o in t.owners) or '待分派'}",
             f"反映人数：{len(t.reporters)}",
             f"登记时间：{t.created_at.astimezone(tz):%m-%d %H:%M}"]
    if t.due_at:
        lines.append(f"期限：{t.due_at.astimezone(tz):%m-%d %H:%M}")
    if t.duplicate_of:
        lines.append(f"重复于：#{t.duplicate_of}")
    if t.rating:
        lines.append(f"评价：{t.rating}星")
    await ctx.reply("\n".join(lines))
    if await ctx.may_see_reporters():  # privacy: who reported what goes privately
        names = "、".join(r.name for r in t.reporters)
        await ctx.tell(ctx.sender, f"#{t.number} 的反映人：{names}")


@command("清单", "list", usage="/清单 [问题|需求|资源|超时]", summary="查看未办结的清单",
         example="/清单 问题")
async def show_list(ctx: Ctx, args: str) -> None:
    which = args.strip()
    if which not in _LISTS:
        raise UsageError("清单只有：问题、需求、资源、超时。")
    kind = _LISTS[which]
    live = ("open", "assigned", "reopened")
    if kind == "overdue":
        items = await ctx.repo.tickets(ctx.group.id, statuses=live, due_before=ctx.now)
    else:
        items = await ctx.repo.tickets(ctx.group.id, statuses=live,
                                       kind=None if kind == "all" else kind)
    name = which or "全部"
    if not items:
        await ctx.reply(f"{name}清单是空的，没有未办结的事项。")
        return
    lines = [f"{name}清单（未办结 {len(items)} 件）："]
    for t in items[:LIST_LIMIT]:
        owner = "、".join(o.name for o in t.owners) or "待分派"
        flag = "【紧急】" if t.urgent else ""
        lines.append(f"{flag}#{t.number} {CATEGORY_LABEL.get(t.category or '', '')}"
                     f" {t.title}（{STATUS_LABEL[t.status]}，{owner}）")
    if len(items) > LIST_LIMIT:
        lines.append(f"……还有 {len(items) - LIST_LIMIT} 件，发 /工单 编号 查看。")
    await ctx.reply("\n".join(lines))


@command("派单", "assign", usage="/派单 编号 @某人", summary="把工单交给某人负责",
         example="/派单 12 @物业小王", who=Who.COORDINATOR)
async def assign(ctx: Ctx, args: str) -> None:
    number, rest = take_ticket(args)
    owners = await mentioned_members(ctx, rest)
    if not owners:
        raise UsageError("请 @ 要负责的人。")
    t = await T.load(ctx, number)
    await T.check_may(ctx, t, "assign")
    await T.apply(ctx, t, "assign", {"owners": [o.name for o in owners]})
    await ctx.repo.set_owners(t, owners)
    await ctx.reply(f"{T.label(t)} 已交给 {T.mention_names(owners)} 负责，请尽快处理。", owners)


@command("办结", "resolve", usage="/办结 编号 [说明]", summary="办结工单（销号）",
         example="/办结 12 灯已换好", who=Who.OWNER)
async def resolve(ctx: Ctx, args: str) -> None:
    number, note = take_ticket(args)
    await T.resolve(ctx, await T.load(ctx, number), note)


@command("重开", "reopen", usage="/重开 编号 [原因]", summary="问题没解决，重新打开工单",
         example="/重开 12 灯又不亮了", who=Who.REPORTER)
async def reopen(ctx: Ctx, args: str) -> None:
    number, why = take_ticket(args)
    await T.reopen(ctx, await T.load(ctx, number), why)


@command("催办", "urge", usage="/催办 编号", summary="催一催还没处理的工单", example="/催办 12",
         who=Who.REPORTER)
async def urge(ctx: Ctx, args: str) -> None:
    number, _ = take_ticket(args)
    await T.urge(ctx, await T.load(ctx, number))


@command("评价", "rate", usage="/评价 编号 1-5 [评语]", summary="给办结的工单打分（5分最满意）",
         example="/评价 12 5 修得很快", who=Who.REPORTER)
async def rate(ctx: Ctx, args: str) -> None:
    number, rest = take_ticket(args)
    words = rest.split(maxsplit=1)
    stars = words[0].rstrip("分星") if words else ""
    if not stars.isdigit() or not 1 <= int(stars) <= 5:
        raise UsageError("请打 1 到 5 分，5分最满意。")
    await T.rate(ctx, await T.load(ctx, number), int(stars), words[1] if len(words) > 1 else "")


@command("驳回", "reject", usage="/驳回 编号 理由", summary="不是真问题时驳回，并说明理由",
         example="/驳回 15 已核实是正常施工", who=Who.COORDINATOR)
async def reject(ctx: Ctx, args: str) -> None:
    number, why = take_ticket(args)
    if not why:
        raise UsageError("驳回要写理由，方便居民理解。")
    t = await T.load(ctx, number)
    await T.check_may(ctx, t, "reject")
    await T.apply(ctx, t, "reject", {"why": why})
    await ctx.reply(f"{T.label(t)} 已驳回：{why}。{T.mention_names(t.reporters)} 如有疑问请联系网格长。",
                    t.reporters)


@command("重复", "duplicate", usage="/重复 编号 原工单编号", summary="标记重复工单，合并到原工单",
         example="/重复 15 12", who=Who.COORDINATOR)
async def duplicate(ctx: Ctx, args: str) -> None:
    parts = args.split()
    if len(parts) != 2:
        raise UsageError()
    n, m = ticket_no(parts[0]), ticket_no(parts[1])
    if n == m:
        raise CommandError("两个编号一样，不能标记为自己的重复。")
    dup, orig = await T.load(ctx, n), await T.load(ctx, m)
    await T.check_may(ctx, dup, "duplicate")
    if not orig.is_live and orig.status != "resolved":
        raise CommandError(f"#{m} 已经{STATUS_LABEL[orig.status]}，请选一个还在处理的工单。")
    await T.apply(ctx, dup, "duplicate", {"of": m}, duplicate_of=m)
    for r in dup.reporters:
        await ctx.repo.add_reporter(orig, r, dup.source_message_id, ctx.now)
    await ctx.repo.add_event(orig.id, "merged", ctx.sender, ctx.now, {"from": n})
    await ctx.reply(f"#{n} 与 #{m} 是同一件事，已合并到 #{m}，请关注 #{m} 的进展。")


@command("收到", "ack", usage="/收到 编号", summary="责任人认领工单，表示已在处理",
         example="/收到 12", who=Who.OWNER)
async def acknowledge(ctx: Ctx, args: str) -> None:
    number, _ = take_ticket(args)
    t = await T.load(ctx, number)
    if t.status == "resolved":
        raise CommandError(f"#{number} 已经办结了。")
    await T.acknowledge(ctx, t)
