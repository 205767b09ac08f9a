"""Shared fixtures. `db_url` runs a test once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import pg


@pytest.fixture(scope="session")
def pg_template():
    """A database migrated once per test session and never used: `pg_url` copies it."""
    name = _in_thread(pg.create_migrated_template)
    yield name
    _in_thread(lambda: pg.drop_database(name))


@pytest.fixture(scope="session")
def pg_shared(pg_template):
    """One working database for the session; each `db_url` test empties its tables first
    (much faster than a database per test)."""
    name = _in_thread(lambda: pg.create_database(pg_template))
    yield name
    _in_thread(lambda: pg.drop_database(name))


def _in_thread(make_coro):
    """Run a coroutine on its own loop (a sync fixture may be set up inside a running one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    name = request.getfixturevalue("pg_shared")
    await pg.truncate_all(name)
    yield pg.url(name)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path}/test.db"


@pytest.fixture
async def pg_url(pg_template):
    """A fresh database of its own (a copy of the pristine template)."""
    name = await pg.create_database(pg_template)
    try:
        yield pg.url(name)
    finally:
        await pg.drop_database(name)
