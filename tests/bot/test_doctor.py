"""`gongzhi doctor`: one line per check, what is wrong and how to fix it."""

from __future__ import annotations

import asyncio
import socket
import sqlite3

import pytest
from click.testing import CliRunner

from bot.doctor import doctor_cmd, run_checks
from storage import db
from tests.support.fake_gateway import FakeGateway


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path, *, db_file="bot.db", auto_migrate=True, wechat="", extra="",
                 name="config.toml"):
    path = tmp_path / name
    path.write_text(f"""
[database]
url = "sqlite+aiosqlite:///{tmp_path / db_file}"
auto_migrate = {str(auto_migrate).lower()}

[wechat]
{wechat}
{extra}

[[groups]]
key = "xingfuli"
estate = "幸福里"
room = "幸福里共治群"
""", encoding="utf-8")
    return str(path)


async def upgraded(tmp_path, name="bot.db") -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / name}")
    await db.upgrade(engine)
    await engine.dispose()


def by_name(checks) -> dict[str, tuple[str, str]]:
    return {c.name: (c.level, c.text) for c in checks}


async def test_everything_ready_is_all_ok_and_the_gateway_is_only_asked_its_version(tmp_path):
    await upgraded(tmp_path)
    async with FakeGateway() as gw:
        path = write_config(tmp_path, wechat=f'token = "t"\nendpoint = "{gw.endpoint}"')
        checks = await run_checks(path)

    assert [c.level for c in checks] == ["ok"] * 4
    assert [c.name for c in checks] == ["config", "database", "migrations", "wechat"]
    assert "fake-0.1" in by_name(checks)["wechat"][1]
    assert [c.route for c in gw.calls] == ["Version"]  # never Stop or Start


async def test_a_config_error_is_one_line_naming_the_key(tmp_path):
    path = write_config(tmp_path, wechat='colour = "green"')

    checks = await run_checks(path)

    level, text = by_name(checks)["config"]
    assert level == "FAIL" and "wechat.colour" in text and "\n" not in text


async def test_migrations_not_applied_fail_unless_applied_at_start(tmp_path):
    sqlite3.connect(tmp_path / "old.db").execute("CREATE TABLE t (x)").connection.commit()

    manual = by_name(await run_checks(write_config(tmp_path, db_file="old.db",
                                                   auto_migrate=False)))
    automatic = by_name(await run_checks(write_config(tmp_path, db_file="old.db")))

    assert manual["database"][0] == "ok"
    assert manual["migrations"][0] == "FAIL" and "gongzhi db upgrade" in manual["migrations"][1]
    assert automatic["migrations"][0] == "warn"


async def test_an_unreachable_database_says_so_without_its_password(tmp_path):
    url = f"postgresql+asyncpg://gongzhi:s3cret@127.0.0.1:{free_port()}/gongzhi"

    level, text = by_name(await run_checks(write_config(tmp_path), db_url=url))["database"]

    assert level == "FAIL" and "cannot connect" in text and "GONGZHI_DATABASE_URL" in text
    assert "s3cret" not in text


@pytest.mark.parametrize(("wechat", "expected"), [
    ('token = "t"\nendpoint = "127.0.0.1:{port}"', "nothing answers"),
    ('token = "t"\nendpoint = "8.8.8.8:8788"', "SSH or TLS tunnel"),
    ('endpoint = "127.0.0.1:8788"', "no token"),
    ('token = "t"', "no endpoint"),
])
async def test_gateway_problems_say_what_to_do(tmp_path, wechat, expected):
    await upgraded(tmp_path)
    path = write_config(tmp_path, wechat=wechat.format(port=free_port()))

    level, text = by_name(await run_checks(path))["wechat"]

    assert level == "FAIL" and expected in text


async def test_something_else_on_the_gateway_port_is_not_taken_for_a_gateway(tmp_path):
    async def not_grpc(reader, writer):
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(not_grpc, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        path = write_config(tmp_path, wechat=f'token = "t"\nendpoint = "127.0.0.1:{port}"')
        level, text = by_name(await run_checks(path))["wechat"]

    assert level == "FAIL" and "puppet gateway" in text


def test_the_command_prints_one_line_per_check_and_fails_when_something_must_be_fixed(
        tmp_path):
    good = write_config(tmp_path)
    bad = write_config(tmp_path, wechat=f'token = "t"\nendpoint = "127.0.0.1:{free_port()}"',
                       name="bad.toml")
    runner = CliRunner()

    fine = runner.invoke(doctor_cmd, ["--config", good])
    broken = runner.invoke(doctor_cmd, ["--config", bad])

    assert fine.exit_code == 0 and broken.exit_code == 1
    assert [line.split()[0] for line in fine.output.splitlines()] == ["ok", "warn", "ok"]
    assert broken.output.splitlines()[-1].startswith("FAIL  wechat: nothing answers")
