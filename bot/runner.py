"""`gongzhi run`: WeChat when configured, otherwise the terminal sandbox."""

from __future__ import annotations

import asyncio
import logging

from bot.app import Application
from bot.config import Config

log = logging.getLogger(__name__)


class StartError(Exception):
    """The bot cannot start; the message says what to fix."""


async def run_bot(config: Config, db_url: str | None = None) -> None:
    if config.wechat.token and config.wechat.endpoint:
        from bot.transports.wechat import EndpointRefused, WechatTransport, check_endpoint

        try:
            await check_endpoint(config.wechat)
        except (EndpointRefused, OSError) as e:
            raise StartError(str(e)) from None
        transport = WechatTransport(config)
        async with Application(config, transport, db_url=db_url, run_scheduler=True):
            await asyncio.Event().wait()
        return
    from bot.transports.sandbox import SandboxTransport

    sandbox = SandboxTransport([g.room for g in config.groups], config.bot.name)
    async with Application(config, sandbox, db_url=db_url, serve_unknown_rooms=True,
                           run_scheduler=True) as app:
        await sandbox.done.wait()
        await app.flush_outbox(force=True)
