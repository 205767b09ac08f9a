"""A database that drops out loses no received message."""

import asyncpg
import pytest
from sqlalchemy.exc import OperationalError

from bot.config import load_config
from storage.repo import store_message
from tests.support import pg
from tests.support.chat import Chat

pytestmark = pytest.mark.asyncio


async def test_postgres_connections_killed_between_messages(pg_url):
    async with Chat(pg_url) as chat:
        await chat.setup_roles(物业小王="物业")
        assert "#1" in await chat.text("王阿姨", "3幢电梯坏了")
        name = pg_url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(host=pg.PG_HOST, port=pg.PG_PORT, user=pg.PG_USER,
                                     database="test")
        try:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        finally:
            await conn.close()
        assert killed >= 1
        # the pooled connections are dead: the next message still gets through
        assert "#2" in await chat.text("李大爷", "7幢电梯坏了")
        assert len(await chat.tickets()) == 2


async def test_message_spooled_while_database_is_down_then_handled(tmp_path, monkeypatch):
    config = load_config(None)
    config.database.spool = str(tmp_path / "spool.jsonl")
    async with Chat(f"sqlite+aiosqlite:///{tmp_path}/t.db", config=config) as chat:
        await chat.setup_roles(物业小王="物业")
        monkeypatch.setattr("bot.app.STORE_RETRIES", (0.01, None))
        async def down(*a, **kw):
            raise OperationalError("INSERT", {}, Exception("database is gone"))

        monkeypatch.setattr("bot.app.store_message", down)
        assert await chat.say("王阿姨", "3幢电梯坏了", msg_id="while-down") == []
        assert len(chat.app.spool) == 1
        monkeypatch.setattr("bot.app.store_message", store_message)
        assert await chat.app.drain_spool() == 1
        await chat.app.flush_outbox()
        assert "#1" in chat.transport.sent[-1].text
        assert len(chat.app.spool) == 0
        # a second drain (or a second delivery) changes nothing
        assert await chat.app.drain_spool() == 0
        assert len(await chat.tickets()) == 1
