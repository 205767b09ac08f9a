"""A fresh PostgreSQL database per test on the local server (127.0.0.1:5432, trust auth).

No skipping: when the server is down the test fails and says how to start it.
"""

from __future__ import annotations

import os
import uuid

import asyncpg

PG_HOST = os.environ.get("GONGZHI_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("GONGZHI_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("GONGZHI_TEST_PG_USER", "postgres")
HOW_TO_START = ("PostgreSQL is not reachable at 127.0.0.1:5432; start it with "
                "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
                "(bash .ci/run does this)")


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="test")
    except (OSError, asyncpg.PostgresError) as e:
        raise RuntimeError(f"{HOW_TO_START}: {e}") from e


async def create_database(template: str | None = None) -> str:
    name = f"gz_{uuid.uuid4().hex[:12]}"
    conn = await _admin()
    try:
        tpl = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{tpl}')
    finally:
        await conn.close()
    return name


async def create_migrated_template() -> str:
    """A database at the newest schema, copied for each test (much faster than migrating)."""
    from storage import db

    name = await create_database()
    engine = db.create_engine(url(name))
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()
    return name


async def drop_database(name: str) -> None:
    conn = await _admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


async def truncate_all(name: str) -> None:
    """Empty every table (keeping the schema) so a test starts from a fresh database."""
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=name)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                  "AND tablename <> 'alembic_version'")
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
