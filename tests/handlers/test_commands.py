"""Each command: its happy path, its refusal path and its malformed path, through the
real application on a real database (SQLite and PostgreSQL)."""

import pytest

from tests.support.chat import Chat

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def chat(db_url):
    async with Chat(db_url) as c:
        await c.setup_roles(物业小王="物业", 周楼长="楼道长 5幢")
        yield c


async def report(chat, who="王阿姨", text="/上报 3幢电梯坏了，上不去"):
    out = await chat.say(who, text)
    assert out and "#" in out[0].text
    return out[0]


# /上报 ---------------------------------------------------------------------

async def test_report_creates_ticket_and_mentions_owner(chat):
    out = await report(chat)
    assert "已登记 #1" in out.text
    assert [p.name for p in out.mentions] == ["物业小王"]
    t = await chat.ticket(1)
    assert (t.kind, t.category, t.building, t.status) == ("problem", "elevator", "3", "assigned")


async def test_report_without_text_gives_usage(chat):
    text = await chat.text("王阿姨", "/上报")
    assert "用法：/上报" in text
    assert await chat.tickets() == []


async def test_numbering_is_per_group(chat):
    await report(chat)
    out = await chat.say("刘阿姨", "/上报 2幢门禁坏了", room="另一个小区群")
    assert "#1" in out[0].text
    out = await chat.say("王阿姨", "/上报 6幢门禁坏了")
    assert "#2" in out[0].text


# /工单 ---------------------------------------------------------------------

async def test_view_shows_status_and_owner_but_not_reporter(chat):
    await report(chat)
    out = await chat.say("赵大姐", "/工单 1")
    assert len(out) == 1
    assert "处理中" in out[0].text and "物业小王" in out[0].text
    assert "王阿姨" not in out[0].text


async def test_coordinator_gets_reporters_privately(chat):
    await report(chat)
    out = await chat.say("张网格长", "/工单 #1")
    private = [o for o in out if o.to is not None]
    assert [o.to.name for o in private] == ["张网格长"]
    assert "王阿姨" in private[0].text


async def test_view_unknown_ticket(chat):
    assert "没有找到 #99" in await chat.text("王阿姨", "/工单 99")


async def test_view_malformed(chat):
    assert "用法：/工单 编号" in await chat.text("王阿姨", "/工单 电梯")


# /清单 ---------------------------------------------------------------------

async def test_list_problems_and_empty_lists(chat):
    await report(chat)
    text = await chat.text("王阿姨", "/清单 问题")
    assert "#1" in text and "未办结 1 件" in text
    assert "空的" in await chat.text("王阿姨", "/清单 资源")


async def test_list_unknown_kind(chat):
    assert "用法：/清单" in await chat.text("王阿姨", "/清单 垃圾")


# /派单 ---------------------------------------------------------------------

async def test_assign_by_coordinator(chat):
    await report(chat)
    out = await chat.say("张网格长", "/派单 1 @周楼长", mentions=("周楼长",))
    assert [p.name for p in out[0].mentions] == ["周楼长"]
    assert [o.name for o in (await chat.ticket(1)).owners] == ["周楼长"]


async def test_assign_refused_for_resident(chat):
    await report(chat)
    text = await chat.text("王阿姨", "/派单 1 @周楼长", mentions=("周楼长",))
    assert "只有协调员可以派单" in text
    assert [o.name for o in (await chat.ticket(1)).owners] == ["物业小王"]


async def test_assign_without_person(chat):
    await report(chat)
    assert "用法：/派单" in await chat.text("张网格长", "/派单 1")


# /办结 ---------------------------------------------------------------------

async def test_owner_resolves_and_reporter_is_asked(chat):
    await report(chat)
    out = await chat.say("物业小王", "/办结 1 已修好")
    assert "已办结" in out[0].text and [p.name for p in out[0].mentions] == ["王阿姨"]
    assert (await chat.ticket(1)).status == "resolved"


async def test_resolve_refused_for_bystander(chat):
    await report(chat)
    assert "只有工单责任人或协调员可以办结" in await chat.text("赵大姐", "/办结 1")
    assert (await chat.ticket(1)).status == "assigned"


async def test_resolve_twice_is_refused_with_reason(chat):
    await report(chat)
    await chat.say("物业小王", "/办结 1")
    assert "已经办结了" in await chat.text("物业小王", "/办结 1")


async def test_resolve_malformed(chat):
    assert "用法：/办结" in await chat.text("物业小王", "/办结 那个电梯")


# /重开 /催办 /评价 ----------------------------------------------------------

async def test_reporter_urges_reopens_and_rates(chat):
    await report(chat)
    out = await chat.say("王阿姨", "/催办 1")
    assert "已催办 #1" in out[0].text and [p.name for p in out[0].mentions] == ["物业小王"]
    await chat.say("物业小王", "/办结 1")
    assert "已重开" in await chat.text("王阿姨", "/重开 1 还是坏的")
    await chat.say("物业小王", "/办结 1")
    assert "5星" in await chat.text("王阿姨", "/评价 1 5 很快")
    t = await chat.ticket(1)
    assert (t.status, t.rating) == ("closed", 5)


async def test_others_may_not_urge_reopen_or_rate(chat):
    await report(chat)
    assert "只有报告人或协调员可以催办" in await chat.text("赵大姐", "/催办 1")
    await chat.say("物业小王", "/办结 1")
    assert "只有报告人或协调员可以重开" in await chat.text("赵大姐", "/重开 1")
    assert "只有报告人或协调员可以评价" in await chat.text("赵大姐", "/评价 1 1")


async def test_urge_resolved_points_to_reopen(chat):
    await report(chat)
    await chat.say("物业小王", "/办结 1")
    assert "/重开 1" in await chat.text("王阿姨", "/催办 1")


async def test_rate_before_resolution_is_refused(chat):
    await report(chat)
    assert "办结后再评价" in await chat.text("王阿姨", "/评价 1 5")


@pytest.mark.parametrize("args", ["1", "1 9", "1 好", "x 5"])
async def test_rate_malformed(chat, args):
    await report(chat)
    await chat.say("物业小王", "/办结 1")
    assert "用法：/评价" in await chat.text("王阿姨", f"/评价 {args}")


async def test_urge_and_reopen_malformed(chat):
    assert "用法：/催办" in await chat.text("王阿姨", "/催办")
    assert "用法：/重开" in await chat.text("王阿姨", "/重开 电梯")


# /驳回 /重复 ---------------------------------------------------------------

async def test_reject_needs_reason_and_coordinator(chat):
    await report(chat)
    assert "用法：/驳回" in await chat.text("张网格长", "/驳回 1")
    assert "只有协调员可以驳回" in await chat.text("王阿姨", "/驳回 1 不是问题")
    out = await chat.say("张网格长", "/驳回 1 已核实是正常检修")
    assert "已驳回" in out[0].text and [p.name for p in out[0].mentions] == ["王阿姨"]
    assert (await chat.ticket(1)).status == "rejected"


async def test_duplicate_merges_reporters(chat):
    await report(chat)
    await chat.say("赵大姐", "/上报 6幢门口路灯不亮")
    assert "只有协调员可以标记重复" in await chat.text("赵大姐", "/重复 2 1")
    assert "已合并到 #1" in await chat.text("张网格长", "/重复 2 1")
    assert (await chat.ticket(2)).status == "duplicate"
    assert [r.name for r in (await chat.ticket(1)).reporters] == ["王阿姨", "赵大姐"]


async def test_duplicate_malformed_and_self(chat):
    await report(chat)
    assert "用法：/重复" in await chat.text("张网格长", "/重复 1")
    assert "不能标记为自己的重复" in await chat.text("张网格长", "/重复 1 1")
    assert "没有找到 #5" in await chat.text("张网格长", "/重复 1 5")


# /角色 /帮助 /收到 ---------------------------------------------------------

async def test_role_refused_for_resident_and_listed(chat):
    text = await chat.text("王阿姨", "/角色 @王阿姨 物业", mentions=("王阿姨",))
    assert "只有协调员可以设置角色" in text
    listing = await chat.text("王阿姨", "/角色")
    assert "物业：物业小王" in listing and "楼道长（5幢）：周楼长" in listing


async def test_role_unknown_and_malformed(chat):
    assert "没有“水管工”这个角色" in await chat.text("张网格长", "/角色 @老李 水管工", mentions=("老李",))
    assert "用法：/角色" in await chat.text("张网格长", "/角色 物业")
    assert "楼栋“东区”看不懂" in await chat.text("张网格长", "/角色 @老李 楼道长 东区", mentions=("老李",))


async def test_role_removed(chat):
    await chat.say("张网格长", "/角色 @周楼长 取消 楼道长", mentions=("周楼长",))
    assert "周楼长" not in await chat.text("张网格长", "/角色")


async def test_help_lists_every_command_and_explains_one(chat):
    from handlers.commands.registry import specs

    text = await chat.text("张网格长", "/帮助")
    for s in specs():
        assert s.usage in text
    assert "例如：/派单 12 @物业小王" in await chat.text("张网格长", "/help assign")


async def test_owner_acknowledges(chat):
    await report(chat)
    assert "已认领 #1" in await chat.text("物业小王", "/收到 1")
    assert (await chat.ticket(1)).acknowledged_at is not None
    assert "只有工单责任人或协调员可以认领" in await chat.text("王阿姨", "/收到 1")


# input forms ---------------------------------------------------------------

async def test_full_width_and_leading_bot_mention(chat):
    await report(chat)
    assert "处理中" in await chat.text("王阿姨", "＠小治 ／工单　＃１")
    assert "处理中" in await chat.text("王阿姨", "@小治 /ticket 1")


async def test_english_aliases(chat):
    await chat.say("王阿姨", "/report 3幢电梯坏了")
    assert "已认领 #1" in await chat.text("物业小王", "/ack 1")


async def test_unknown_command_suggests_closest(chat):
    text = await chat.text("王阿姨", "/帮主")
    assert "没有“/帮主”这个命令" in text and "/帮助" in text
