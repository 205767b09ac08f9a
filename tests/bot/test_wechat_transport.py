"""The WeChat transport alone: the real python-wechaty client against the fake gateway on
127.0.0.1, with a `deliver` that records what the bot would receive."""

from __future__ import annotations

import pytest

from bot.messages import Outgoing, Person
from bot.transports.base import SendFailed
from bot.transports.wechat import (
    AT_SEPARATOR,
    EndpointRefused,
    Pacer,
    WechatTransport,
    check_endpoint,
    split_quote,
    split_text,
    strip_mention,
)
from bot.transports.wechat_settings import WechatSettings
from tests.support.fake_gateway import (
    OTHER_ROOM,
    ROOM,
    TOPIC,
    FakeGateway,
    Recorder,
    eventually,
    fast_settings,
)


@pytest.fixture
async def gw():
    gateway = FakeGateway()
    gateway.add_contact("wxid_zhang", "张三")
    gateway.add_contact("wxid_li", "李四")
    gateway.add_contact("wxid_wang", "王师傅")
    gateway.add_contact("gh_news", "小区资讯", official=True)
    gateway.add_room(ROOM, TOPIC, {"wxid_zhang": "5幢张三", "wxid_li": "", "wxid_wang": "物业小王",
                                   "gh_news": ""})
    gateway.add_room(OTHER_ROOM, "闲聊群", {"wxid_zhang": "", "wxid_li": ""})
    async with gateway:
        yield gateway


@pytest.fixture
async def connect(gw):
    started: list[WechatTransport] = []

    async def make(rooms=(TOPIC,), **overrides) -> tuple[WechatTransport, Recorder]:
        transport = WechatTransport(fast_settings(gw.endpoint, **overrides), rooms)
        recorder = Recorder()
        await transport.start(recorder)
        started.append(transport)
        assert await transport.wait_ready(10)
        return transport, recorder

    yield make
    for transport in started:
        await transport.stop(drain_seconds=0)


# -- receiving -------------------------------------------------------------------------


async def test_room_message_carries_sender_mentions_and_text_without_the_bot(gw, connect):
    transport, rec = await connect()

    gw.message("wxid_zhang", f"@小治{AT_SEPARATOR}@物业小王{AT_SEPARATOR}3幢电梯坏了", room=ROOM,
               mention_ids=("wxid_bot", "wxid_wang"), msg_id="m-1")
    msg = (await eventually(lambda: rec.got))[0]

    assert (msg.room, msg.room_topic, msg.id, msg.kind, msg.transport) == (
        ROOM, TOPIC, "m-1", "text", "wechat")
    assert msg.sender == Person("wxid_zhang", "5幢张三")  # the room alias comes first
    assert msg.text == f"@物业小王{AT_SEPARATOR}3幢电梯坏了"
    assert msg.mentions_bot is True
    assert msg.mentions == (Person("wxid_wang", "物业小王"),)
    assert msg.at.tzinfo is not None


@pytest.mark.parametrize("text", ["@小治 路灯不亮了", "路灯不亮了 @小治"])
async def test_the_bot_named_with_a_plain_space_counts_as_mentioned(gw, connect, text):
    transport, rec = await connect()

    gw.message("wxid_li", text, room=ROOM)
    msg = (await eventually(lambda: rec.got))[0]

    assert (msg.text, msg.mentions_bot, msg.sender.name) == ("路灯不亮了", True, "李四")


async def test_messages_from_unconfigured_rooms_are_not_delivered(gw, connect):
    transport, rec = await connect()

    gw.message("wxid_zhang", "闲聊一句", room=OTHER_ROOM)
    gw.message("wxid_zhang", "本群的话", room=ROOM)
    await eventually(lambda: rec.got)
    await transport.stop()

    assert rec.texts() == ["本群的话"]


async def test_a_private_message_is_delivered_without_a_room(gw, connect):
    transport, rec = await connect()

    gw.message("wxid_zhang", "群里一句", room=ROOM)
    gw.message("wxid_zhang", "/清单")
    gw.message("wxid_li", "/帮助")
    await eventually(lambda: len(rec.got) >= 3)
    _, mine, other = rec.got

    # the name the groups know them by: the room alias, as the config names coordinators
    assert (mine.room, mine.sender, mine.text) == (None, Person("wxid_zhang", "5幢张三"), "/清单")
    assert (other.room, other.sender) == (None, Person("wxid_li", "李四"))


async def test_media_arrive_with_their_kind_and_system_notes_do_not_arrive(gw, connect):
    transport, rec = await connect()

    for kind in ("image", "voice", "file", "link", "video", "system", "recalled"):
        gw.message("wxid_zhang", "", room=ROOM, kind=kind)
    gw.message("gh_news", "official account post", room=ROOM)
    gw.message("wxid_zhang", "最后一句", room=ROOM)
    await eventually(lambda: len(rec.got) >= 6)
    await transport.stop()

    assert [m.kind for m in rec.got] == ["image", "voice", "file", "link", "video", "text"]


async def test_a_quoted_reply_gives_the_quoted_text_separately(gw, connect):
    transport, rec = await connect()

    gw.message("wxid_li", "「5幢张三：3幢电梯坏了」\n- - - - - - - - - - - - - - -\n还没修好",
               room=ROOM)
    msg = (await eventually(lambda: rec.got))[0]

    assert (msg.text, msg.quoted_text) == ("还没修好", "3幢电梯坏了")


async def test_a_room_renamed_before_its_first_message_is_still_served(gw, connect):
    transport, rec = await connect()

    gw.rename_room(ROOM, "幸福里共治群（新）", changer_id="wxid_zhang")
    gw.message("wxid_zhang", "改名后第一句", room=ROOM)
    msg = (await eventually(lambda: rec.got))[0]

    assert (msg.room, msg.room_topic, msg.text) == (ROOM, "幸福里共治群（新）", "改名后第一句")


async def test_the_bots_own_messages_and_repeated_events_are_delivered_once(gw, connect):
    transport, rec = await connect()

    first = gw.message("wxid_zhang", "一", room=ROOM)
    await transport.send(Outgoing(outbox_id=1, text="收到", room=ROOM))  # echoed by WeChat
    gw.redeliver(first)
    gw.message("wxid_zhang", "二", room=ROOM)
    await eventually(lambda: len(rec.got) >= 2)
    await transport.stop()

    assert rec.texts() == ["一", "二"]


async def test_a_failing_deliver_is_retried_until_the_bot_takes_the_message(gw, connect):
    transport, rec = await connect()
    rec.fail_next = 2

    gw.message("wxid_zhang", "数据库刚好忙", room=ROOM)
    await eventually(lambda: rec.got)

    assert rec.texts() == ["数据库刚好忙"]
    assert transport.undelivered == []


async def test_room_members_are_cached_and_refreshed_when_someone_joins(gw, connect):
    transport, _ = await connect()
    before = await transport.members(ROOM)
    gw.add_contact("wxid_zhao", "赵六")

    gw.join_room(ROOM, "wxid_zhao", alias="6幢赵六")
    after = await eventually(lambda: transport._members.get(ROOM) is None) and \
        await transport.members(ROOM)

    assert Person("wxid_zhao", "6幢赵六") not in before
    assert Person("wxid_zhao", "6幢赵六") in after


# -- sending ---------------------------------------------------------------------------


async def test_a_room_reply_mentions_people_by_contact_id(gw, connect):
    transport, _ = await connect()

    msg_id = await transport.send(Outgoing(
        outbox_id=1, text="已登记 #1，请 @物业小王 处理，谢谢！", room=ROOM,
        mentions=(Person("物业小王", "物业小王"), Person("wxid_zhang", "张三"))))

    [sent] = gw.sent
    assert msg_id == sent.id
    assert sent.mention_ids == ["wxid_wang", "wxid_zhang"]
    assert sent.text == (f"@5幢张三{AT_SEPARATOR}已登记 #1，请 @物业小王{AT_SEPARATOR}处理，谢谢！")


async def test_a_private_message_goes_to_the_person(gw, connect):
    transport, _ = await connect()

    await transport.send(Outgoing(outbox_id=1, text="您有1张待办工单", to=Person("wxid_li", "李四")))

    assert [(m.to_id, m.room_id, m.text) for m in gw.sent] == [("wxid_li", "", "您有1张待办工单")]


async def test_a_long_text_is_split_on_line_boundaries(gw, connect):
    transport, _ = await connect(max_text_chars=100)
    lines = [f"{n}. 3幢{n}楼的声控灯不亮，已报物业。" for n in range(1, 21)]

    await transport.send(Outgoing(outbox_id=1, text="\n".join(lines), room=ROOM,
                                  mentions=(Person("wxid_li", "李四"),)))

    texts = [m.text for m in gw.sent]
    assert len(texts) > 1 and all(len(t) <= 100 for t in texts)
    assert "\n".join(texts) == f"@李四{AT_SEPARATOR}" + "\n".join(lines)
    assert [m.mention_ids for m in gw.sent] == [["wxid_li"]] + [[]] * (len(texts) - 1)


async def test_a_confirmation_without_a_message_id_still_counts_as_sent(gw, connect):
    transport, _ = await connect()
    gw.answer_ids = False

    msg_id = await transport.send(Outgoing(outbox_id=3, text="已收到", room=ROOM))

    assert msg_id is None
    assert [m.text for m in gw.sent] == ["已收到"]


async def test_a_rejected_send_raises_and_the_retry_sends_once(gw, connect):
    transport, _ = await connect()
    gw.reject("MessageSendText")
    out = Outgoing(outbox_id=7, text="请物业处理", room=ROOM)

    with pytest.raises(SendFailed):
        await transport.send(out)
    assert gw.sent == []
    await transport.send(out)

    assert [m.text for m in gw.sent] == ["请物业处理"]


async def test_a_send_confirmed_late_is_not_sent_again(gw, connect):
    transport, _ = await connect(send_timeout_seconds=0.2)
    gw.delay("MessageSendText", 0.6)
    out = Outgoing(outbox_id=8, text="慢慢来", room=ROOM)

    with pytest.raises(SendFailed):
        await transport.send(out)
    await eventually(lambda: gw.sent)  # the gateway did take it, late
    msg_id = await transport.send(out)

    assert len(gw.calls_to("MessageSendText")) == 1
    assert msg_id == gw.sent[0].id


async def test_a_part_already_confirmed_is_not_resent_when_a_later_part_fails(gw, connect):
    transport, _ = await connect(max_text_chars=100)
    out = Outgoing(outbox_id=9, text="\n".join(["第一段" * 30, "第二段" * 30]), room=ROOM)
    gw.reject("MessageSendText", times=1, after=1)

    with pytest.raises(SendFailed):
        await transport.send(out)
    await transport.send(out)

    assert [m.text[:3] for m in gw.sent] == ["第一段", "第二段"]
    assert len(gw.calls_to("MessageSendText")) == 3


# -- the pieces ------------------------------------------------------------------------


def test_split_text_keeps_lines_whole_and_cuts_only_overlong_lines():
    text = "第一行\n" + "长" * 25 + "\n第三行"

    parts = split_text(text, 10)

    assert parts == ["第一行", "长" * 10, "长" * 10, "长" * 5 + "\n第三行"]
    assert split_text("短消息", 10) == ["短消息"]


@pytest.mark.parametrize(("text", "expected"), [
    (f"@小治{AT_SEPARATOR}/清单", ("/清单", True)),
    ("@小治 /清单", ("/清单", True)),
    ("/清单 @小治", ("/清单", True)),
    ("@小治同学 你好", ("@小治同学 你好", False)),
    ("3幢电梯坏了", ("3幢电梯坏了", False)),
])
def test_strip_mention_removes_only_the_bots_own_name(text, expected):
    assert strip_mention(text, ["小治", ""]) == expected


def test_split_quote_leaves_plain_text_alone():
    assert split_quote("电梯坏了") == ("电梯坏了", None)


async def test_the_pacer_spaces_messages_per_room_and_overall():
    now = [0.0]
    waits: list[tuple[str, float]] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    settings = WechatSettings(room_rate_per_minute=30, global_rate_per_minute=60, rate_burst=1)
    pacer = Pacer(settings, clock=lambda: now[0], sleep=sleep)
    for room in ["A", "A", "B", "A", "B"]:
        await pacer.wait(room)
        waits.append((room, round(now[0], 6)))

    assert waits == [("A", 0.0), ("A", 2.0), ("B", 3.0), ("A", 4.0), ("B", 5.0)]


@pytest.mark.parametrize("endpoint", ["127.0.0.1:8788", "localhost:8788", "10.1.2.3:8788",
                                      "192.168.1.20:8788", "[::1]:8788"])
async def test_loopback_and_private_endpoints_are_accepted(endpoint):
    host, port = await check_endpoint(WechatSettings(token="t", endpoint=endpoint))

    assert port == 8788 and host in endpoint


async def test_a_public_endpoint_is_refused_unless_the_config_allows_it():
    public = WechatSettings(token="t", endpoint="8.8.8.8:8788")

    with pytest.raises(EndpointRefused, match="SSH or TLS tunnel"):
        await check_endpoint(public)
    with pytest.raises(EndpointRefused):
        await WechatTransport(public, ()).start(Recorder())
    assert await check_endpoint(public.model_copy(update={"allow_remote_endpoint": True})) == (
        "8.8.8.8", 8788)


async def test_two_bots_in_one_process_share_no_contacts_rooms_or_seen_messages(gw, connect):
    _, rec_one = await connect()
    async with FakeGateway(bot_id="wxid_bot2", bot_name="小助") as other:
        other.add_contact("wxid_zhang", "Zhang San")  # same contact id, another account's view
        other.add_room(ROOM, "另一个群", {"wxid_zhang": ""})
        second = WechatTransport(fast_settings(other.endpoint), ["另一个群"])
        rec_two = Recorder()
        await second.start(rec_two)
        try:
            assert await second.wait_ready(10)
            gw.message("wxid_zhang", "一号", room=ROOM, msg_id="same-id")
            await eventually(lambda: rec_one.got)
            other.message("wxid_zhang", "二号", room=ROOM, msg_id="same-id")
            await eventually(lambda: rec_two.got)
        finally:
            await second.stop(drain_seconds=0)

    assert [(m.sender.name, m.room_topic) for m in rec_one.got] == [("5幢张三", TOPIC)]
    assert [(m.sender.name, m.room_topic) for m in rec_two.got] == [("Zhang San", "另一个群")]
