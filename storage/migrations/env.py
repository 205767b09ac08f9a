"""Alembic environment: runs on the connection handed over by storage.db.upgrade,
or opens one from GONGZHI_DATABASE_URL when run by the alembic CLI."""

from __future__ import annotations

import asyncio
import os

from alembic import context

import storage.models  # noqa: F401  (fills Base.metadata)
import storage.models_schedule  # noqa: F401
from storage.models import Base

target_metadata = Base.metadata


def run_with(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


conn = context.config.attributes.get("connection")
if conn is not None:
    run_with(conn)
else:
    from storage.db import create_engine

    async def main() -> None:
        engine = create_engine(os.environ.get("GONGZHI_DATABASE_URL", "sqlite:///gongzhi.db"))
        async with engine.begin() as c:
            await c.run_sync(run_with)
        await engine.dispose()

    asyncio.run(main())
