"""Commands of the timed work: /期限, /周报, /提醒, /提醒列表, /取消提醒."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers import sla
from handlers import tickets as T
from handlers.commands.args import take_ticket, ticket_no
from handlers.commands.registry import CommandError, UsageError, Who, command
from handlers.context import Ctx
from handlers.domain import STATUS_LABEL
from handlers.schedule import store
from handlers.schedule.actions import build_digest, week_bounds
from handlers.schedule.digest import when_cn
from handlers.schedule.phrases import PhraseError, parse_deadline, parse_reminder
from handlers.schedule.settings import ScheduleSettings

_COMPLEX = {"复杂": "complex", "复杂问题": "complex", "简单": "simple", "简单问题": "simple"}


def _settings(ctx: Ctx) -> ScheduleSettings:
    return ctx.config.schedule.for_group(ctx.group.key, ctx.group.room_id)


async def _only_coordinators(ctx: Ctx, verb: str) -> None:
    if not await ctx.is_coordinator():
        raise CommandError(f"抱歉，只有协调员可以{verb}。")


def _group_info(ctx: Ctx) -> store.GroupInfo:
    g = ctx.group
    return store.GroupInfo(g.id, g.key, g.estate, g.room_id, g.topic, ctx.now)


@command("期限", "deadline", usage="/期限 编号 3天|明天下午5点|复杂|简单",
         summary="设置工单的处理期限，或标为复杂/简单问题（按规定重算期限）",
         example="/期限 12 3天", who=Who.COORDINATOR)
async def set_deadline(ctx: Ctx, args: str) -> None:
    await _only_coordinators(ctx, "设置期限")
    number, what = take_ticket(args)
    if not what:
        raise UsageError("请写上期限，比如 3天、明天下午5点，或者 复杂。")
    t = await T.load(ctx, number)
    if not t.is_live:
        raise CommandError(f"#{t.number} {STATUS_LABEL[t.status]}，不用再设期限。")
    st = _settings(ctx)
    complexity = _COMPLEX.get(what, t.complexity)
    if what in _COMPLEX:
        kw = dict(kind=t.kind, urgent=False, complex_=complexity == "complex", settings=st)
        due = sla.deadline_for(t.created_at, **kw)
        if due is None or due <= ctx.now:
            due = sla.deadline_for(ctx.now, **kw) or ctx.now + timedelta(days=st.complex_days)
    else:
        try:
            due = parse_deadline(what, ctx.now, st)
        except PhraseError as e:
            raise CommandError(str(e)) from None
    await ctx.repo.update_ticket(t, ctx.now, due_at=due, complexity=complexity)
    await ctx.repo.add_event(t.id, "deadline", ctx.sender, ctx.now,
                             {"due_at": due.isoformat(), "complexity": complexity})
    kind = "（复杂问题）" if complexity == "complex" else ""
    local = due.astimezone(ZoneInfo(st.timezone))
    await ctx.reply(f"好的，{T.label(t)}{kind} 的处理期限定为 {when_cn(local)}。")


@command("周报", "digest", usage="/周报 [上周]", summary="发本周（或上周）的工单周报和图表",
         example="/周报 上周", who=Who.COORDINATOR)
async def digest(ctx: Ctx, args: str) -> None:
    await _only_coordinators(ctx, "发周报")
    which = args.strip()
    if which not in ("", "本周", "上周"):
        raise UsageError("只能看本周或上周，比如 /周报 上周。")
    st = _settings(ctx)
    tz = ZoneInfo(st.timezone)
    start, end = week_bounds(ctx.now, tz, st.digest_weekday)
    label = "本周"
    if which == "上周":
        start, end, label = start - timedelta(days=7), start, "上周"
    text, image = await build_digest(ctx.session, _group_info(ctx), start, end, ctx.now, label,
                                     st)
    await ctx.repo.enqueue(text=text, now=ctx.now, group_id=ctx.group.id, room=ctx.msg.room,
                           to=None if ctx.msg.room else ctx.sender.person,
                           in_reply_to=ctx.msg.id, image_path=image)
    ctx.sent.append(text)


@command("提醒", "remind", usage="/提醒 时间 内容",
         summary="定时在群里提醒（可以重复，如 每周二 9:00）",
         example="/提醒 每月15日 9:00 三方联合接访日", who=Who.COORDINATOR)
async def remind(ctx: Ctx, args: str) -> None:
    await _only_coordinators(ctx, "设置提醒")
    if not args.strip():
        raise UsageError("请写上时间和提醒内容。")
    st = _settings(ctx)
    existing = await store.reminders(ctx.session, ctx.group.id)
    if len(existing) >= st.max_reminders_per_group:
        raise CommandError(f"本群已有 {len(existing)} 条提醒，请先用 /取消提醒 删掉不用的。")
    try:
        spec = parse_reminder(args, ctx.now, st)
    except PhraseError as e:
        raise CommandError(str(e)) from None
    r = await store.add_reminder(ctx.session, group_id=ctx.group.id, text=spec.text,
                                 phrase=spec.phrase, trigger=spec.trigger,
                                 next_run_at=spec.first_at, created_by=ctx.sender.id,
                                 now=ctx.now)
    again = "" if spec.trigger["type"] == "date" else f"，之后按“{spec.phrase}”重复"
    await ctx.reply(f"好的，提醒 {r.number} 已设好：{when_cn(spec.first_at)} 提醒“{spec.text}”"
                    f"{again}。取消请发 /取消提醒 {r.number}。")


@command("提醒列表", "reminders", usage="/提醒列表", summary="查看本群设好的提醒",
         example="/提醒列表")
async def list_reminders(ctx: Ctx, args: str) -> None:
    tz = ZoneInfo(_settings(ctx).timezone)
    items = await store.reminders(ctx.session, ctx.group.id)
    if not items:
        await ctx.reply("本群还没有设提醒。协调员可以发 /提醒 每周二 9:00 小区服务日 来设置。")
        return
    lines = ["本群的提醒："]
    for r in items:
        nxt = f"下次 {when_cn(r.next_run_at.astimezone(tz))}" if r.next_run_at else "已结束"
        lines.append(f"{r.number}. {r.phrase} {r.text}（{nxt}）")
    lines.append("取消请发 /取消提醒 编号。")
    await ctx.reply("\n".join(lines))


@command("取消提醒", "unremind", usage="/取消提醒 编号", summary="取消一条提醒",
         example="/取消提醒 2", who=Who.COORDINATOR)
async def cancel_reminder(ctx: Ctx, args: str) -> None:
    await _only_coordinators(ctx, "取消提醒")
    number = ticket_no(args.strip().split()[0] if args.strip() else "",
                       "请写上提醒的编号（发 /提醒列表 可查看）。")
    r = await store.reminder(ctx.session, ctx.group.id, number)
    if r is None or r.status != "active":
        raise CommandError(f"没有找到进行中的提醒 {number}，发 /提醒列表 可查看。")
    await store.update_reminder(ctx.session, r.id, status="cancelled", next_run_at=None)
    await ctx.reply(f"好的，已取消提醒 {number}：“{r.text}”。")

