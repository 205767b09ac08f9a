"""Application-level behaviour not tied to one command."""

import pytest

from bot.config import load_config
from bot.transports.replay import ReplayTransport
from tests.support.chat import Chat

pytestmark = pytest.mark.asyncio


class NoticeTransport(ReplayTransport):
    def __init__(self):
        super().__init__()
        self.notices = ["小治的微信刚才需要重新登录，现已恢复；期间的消息都已保存。"]

    def pending_notices(self):
        out, self.notices = self.notices, []
        return out


async def test_transport_notices_reach_every_groups_coordinators(sqlite_url):
    config = load_config("config.example.toml", env={})
    async with Chat(sqlite_url, config=config, room="绿苑小区九长共治群",
                    transport=NoticeTransport()) as chat:
        await chat.say("张网格长", "大家好")
        await chat.say("陈网格长", "大家好", room="桥西花园共治群")
        assert await chat.app.announce_transport_notices() == 1
        await chat.app.flush_outbox()
        sent = [o for o in chat.transport.sent if "重新登录" in o.text]
        assert sorted(o.room for o in sent) == ["桥西花园共治群", "绿苑小区九长共治群"]
        by_room = {o.room: [p.name for p in o.mentions] for o in sent}
        assert by_room["绿苑小区九长共治群"] == ["张网格长"]  # 李主任 has not spoken yet
        assert by_room["桥西花园共治群"] == ["陈网格长"]
        assert await chat.app.announce_transport_notices() == 0  # each notice once
