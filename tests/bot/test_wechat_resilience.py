"""The WeChat transport when the gateway drops the stream, restarts, is away at start, answers
slowly, stops answering, or the account logs out. Real client, fake gateway on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from bot.messages import Outgoing
from bot.transports.base import SendFailed
from bot.transports.wechat import WechatStatus, WechatTransport
from tests.support.fake_gateway import (
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
    gateway.add_room(ROOM, TOPIC, {"wxid_zhang": "5幢张三"})
    async with gateway:
        yield gateway


@pytest.fixture
async def bot(gw):
    statuses: list[WechatStatus] = []
    transport = WechatTransport(fast_settings(gw.endpoint), [TOPIC], on_status=statuses.append)
    transport.statuses = statuses
    recorder = Recorder()
    await transport.start(recorder)
    assert await transport.wait_ready(10)
    yield transport, recorder
    await transport.stop(drain_seconds=0)


async def test_a_dropped_stream_is_reopened_and_nothing_is_lost_or_repeated(gw, bot):
    transport, rec = bot
    gw.message("wxid_zhang", "一", room=ROOM)
    await eventually(lambda: rec.got)

    gw.drop_stream()
    gw.message("wxid_zhang", "二", room=ROOM)
    gw.message("wxid_zhang", "三", room=ROOM)
    await eventually(lambda: len(rec.got) >= 3)
    await transport.send(Outgoing(outbox_id=1, text="收到", room=ROOM))

    assert rec.texts() == ["一", "二", "三"]
    assert len(gw.calls_to("Start")) == 2
    assert [m.text for m in gw.sent] == ["收到"]


async def test_a_restarted_gateway_is_reconnected_and_sends_wait_for_it(gw, bot):
    transport, rec = bot

    await gw.stop()
    await eventually(lambda: not transport.is_connected())
    with pytest.raises(SendFailed):
        await transport.send(Outgoing(outbox_id=1, text="掉线时", room=ROOM))
    gw.message("wxid_zhang", "重启期间说的", room=ROOM)  # kept by WeChat until a client listens
    await gw.start()
    await eventually(lambda: rec.got)
    await transport.send(Outgoing(outbox_id=1, text="掉线时", room=ROOM))

    assert rec.texts() == ["重启期间说的"]
    assert [m.text for m in gw.sent] == ["掉线时"]
    assert [s.state for s in transport.statuses].count("disconnected") >= 1


async def test_a_message_being_read_when_the_gateway_restarts_is_read_again(gw, bot):
    transport, rec = bot
    gw.delay("MessagePayload", 0.5)

    gw.message("wxid_zhang", "读到一半", room=ROOM, msg_id="m-half")
    await eventually(lambda: gw.calls_to("MessagePayload"))
    await gw.restart(down_for=0.1)
    gw.delay("MessagePayload", 0)
    gw.message("wxid_zhang", "之后一句", room=ROOM)
    await eventually(lambda: len(rec.got) >= 2)

    assert rec.texts() == ["读到一半", "之后一句"]


async def test_a_slow_gateway_delays_but_loses_nothing(gw, bot):
    transport, rec = bot
    for route in ("MessagePayload", "ContactPayload", "RoomPayload", "MessageSendText"):
        gw.delay(route, 0.2)

    for n in range(3):
        gw.message("wxid_zhang", f"慢{n}", room=ROOM)
    await transport.send(Outgoing(outbox_id=1, text="慢慢回", room=ROOM))
    await eventually(lambda: len(rec.got) >= 3)

    assert rec.texts() == ["慢0", "慢1", "慢2"]
    assert [m.text for m in gw.sent] == ["慢慢回"]


async def test_a_gateway_away_at_start_does_not_stop_the_bot_and_is_joined_later():
    gateway = FakeGateway()
    gateway.add_contact("wxid_zhang", "张三")
    gateway.add_room(ROOM, TOPIC, {"wxid_zhang": ""})
    await gateway.start()
    await gateway.stop()  # its port is known and nobody listens there
    transport = WechatTransport(fast_settings(gateway.endpoint), [TOPIC])
    rec = Recorder()
    try:
        await transport.start(rec)
        assert not await transport.wait_ready(0.3)
        await gateway.start()
        gateway.message("wxid_zhang", "终于连上了", room=ROOM)
        await eventually(lambda: rec.got)
    finally:
        await transport.stop(drain_seconds=0)
        await gateway.stop()

    assert rec.texts() == ["终于连上了"]


async def test_a_gateway_that_stops_answering_is_noticed_by_the_watchdog(gw):
    transport = WechatTransport(
        fast_settings(gw.endpoint, watchdog_seconds=0.1, request_timeout_seconds=0.3), [TOPIC])
    await transport.start(Recorder())
    try:
        assert await transport.wait_ready(10)
        gw.delay("Ding", 5)
        await eventually(lambda: len(gw.calls_to("Start")) >= 2)
        gw.delay("Ding", 0)
        assert await transport.wait_ready(10)
    finally:
        await transport.stop(drain_seconds=0)

    assert len(gw.calls_to("Ding")) >= 1


async def test_logout_and_scan_are_reported_and_coordinators_told_once_back(gw, bot, capsys):
    transport, _ = bot

    gw.logout()
    await eventually(lambda: not transport.is_connected())
    with pytest.raises(SendFailed):
        await transport.send(Outgoing(outbox_id=1, text="登出时", room=ROOM))
    gw.require_scan("https://login.weixin.qq.com/l/abc")
    await eventually(lambda: transport.status.state == "scan_required")
    gw.login()
    await eventually(lambda: transport.is_connected())

    states = [s.state for s in transport.statuses]
    assert states[-3:] == ["logged_out", "scan_required", "logged_in"]
    assert transport.statuses[-2].qrcode == "https://login.weixin.qq.com/l/abc"
    assert "█" in capsys.readouterr().err  # the QR code, printed for the operator
    [notice] = transport.pending_notices()
    assert "掉线" in notice and "请再发一次" in notice
    assert transport.pending_notices() == []


async def test_the_client_never_probes_local_port_5000(gw):
    knocks: list[int] = []

    async def note(reader, writer):
        knocks.append(1)
        writer.close()

    try:
        server = await asyncio.start_server(note, "127.0.0.1", 5000)
    except OSError:
        pytest.skip("port 5000 is taken on this machine")
    async with server:
        transport = WechatTransport(fast_settings(gw.endpoint), [TOPIC])
        rec = Recorder()
        await transport.start(rec)
        try:
            assert await transport.wait_ready(10)
            gw.message("wxid_zhang", "在吗", room=ROOM)
            await eventually(lambda: rec.got)
        finally:
            await transport.stop(drain_seconds=0)

    assert knocks == []  # the library's plugin server checks it on login; we never start that
