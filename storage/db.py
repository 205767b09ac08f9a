"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain `sqlite:///x.db` / `postgresql://…` and pick the async drivers."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # sessions always end in commit or rollback: skip the pool's extra rollback on return
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL: readers never block the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # no pre-ping or reset round trips per checkout: a dropped connection fails its statement,
    # the pool is invalidated, and the caller retries (see bot.app.Application.receive)
    return create_async_engine(url, pool_size=5, max_overflow=5, pool_reset_on_return=None)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (all heads)."""

    def run(sync_conn) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, "heads")

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # two processes starting at once: one migrates
            await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727271)")
        await conn.run_sync(run)


async def pending_migrations(engine: AsyncEngine) -> list[str]:
    """Revisions not yet applied (empty when the schema is current)."""

    def check(sync_conn) -> list[str]:
        current = set(MigrationContext.configure(sync_conn).get_current_heads())
        script = ScriptDirectory.from_config(alembic_config())
        applied: set[str] = set()
        for head in current:
            applied |= {r.revision for r in script.iterate_revisions(head, "base")}
        return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision not in applied]

    async with engine.connect() as conn:
        return await conn.run_sync(check)
