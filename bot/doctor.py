"""`gongzhi doctor`: is this deployment ready to run? One line per check, saying what is
wrong and how to fix it; exit status 1 when something must be fixed.

    ok    config: config.toml (2 groups)
    ok    database: reachable (postgresql+asyncpg://gongzhi:***@127.0.0.1:5432/gongzhi)
    FAIL  migrations: 1 not applied (0002_reminders): run `gongzhi db upgrade`
    FAIL  wechat: nothing listens at 127.0.0.1:8788: start the gateway, or open the tunnel ...

The gateway check is read-only: it asks the gateway's version and never calls Start or
Stop (those restart the WeChat session of a bot that may be running).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from bot.config import Config, ConfigError, load_config
from bot.transports.wechat_settings import WechatSettings

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"
TIMEOUT = 5.0
TUNNEL_HINT = "see docs/wechat.md"


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # "ok", "warn" or "FAIL"
    text: str

    def line(self) -> str:
        return f"{self.level:<5} {self.name}: {self.text}"


async def run_checks(config_path: str | None, db_url: str | None = None) -> list[Check]:
    path = config_path or ("config.toml" if Path("config.toml").exists() else str(EXAMPLE_CONFIG))
    try:
        config = load_config(path)
    except ConfigError as e:
        return [Check("config", "FAIL", f"{e}"),
                Check("database", "warn", "not checked: fix the config first"),
                Check("wechat", "warn", "not checked: fix the config first")]
    shown = "the built-in example (no config.toml here)" if path == str(EXAMPLE_CONFIG) else path
    n = len(config.groups)
    checks = [Check("config", "ok", f"{shown} ({n} group{'s' if n > 1 else ''})") if n else
              Check("config", "warn", f"{shown} names no [[groups]]: on WeChat the bot would "
                                      "serve no room")]
    checks += await check_database(db_url or config.database.url, config)
    checks.append(await check_gateway(config.wechat))
    return checks


# -- database ----------------------------------------------------------------------------


async def check_database(url: str, config: Config) -> list[Check]:
    from sqlalchemy.engine import make_url

    from storage import db

    try:
        safe = make_url(db.normalise_url(url)).render_as_string(hide_password=True)
    except Exception as e:
        return [Check("database", "FAIL", f"database.url {url!r} is not a database URL ({e})")]
    sqlite_file = _sqlite_file(safe)
    if sqlite_file is not None and not sqlite_file.exists():
        return [Check("database", "warn", f"{sqlite_file} does not exist yet: `gongzhi run` "
                                          "creates it (or run `gongzhi db upgrade`)")]
    engine = db.create_engine(url)
    try:
        async with asyncio.timeout(TIMEOUT):
            async with engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            pending = await db.pending_migrations(engine)
    except Exception as e:
        return [Check("database", "FAIL",
                      f"cannot connect to {safe} ({_short(e)}): check database.url or "
                      "GONGZHI_DATABASE_URL, and that the database server is running")]
    finally:
        await engine.dispose()
    checks = [Check("database", "ok", f"reachable ({safe})")]
    if not pending:
        checks.append(Check("migrations", "ok", "schema is up to date"))
    elif config.database.auto_migrate:
        checks.append(Check("migrations", "warn", f"{len(pending)} not applied yet "
                            f"({', '.join(pending)}); applied at start (database.auto_migrate)"))
    else:
        checks.append(Check("migrations", "FAIL", f"{len(pending)} not applied "
                            f"({', '.join(pending)}): run `gongzhi db upgrade`"))
    return checks


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    name = url.split("///", 1)[1] if "///" in url else ""
    return Path(name) if name and name != ":memory:" else None


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:200] if text else type(e).__name__


# -- gateway -----------------------------------------------------------------------------


async def check_gateway(settings: WechatSettings) -> Check:
    if not settings.token and not settings.endpoint:
        return Check("wechat", "ok", "not configured: `gongzhi run` opens the terminal sandbox "
                                     "(set GONGZHI_WECHAT_TOKEN and GONGZHI_WECHAT_ENDPOINT "
                                     "to run on WeChat)")
    if not settings.endpoint:
        return Check("wechat", "FAIL", "a token but no endpoint: set wechat.endpoint or "
                                       "GONGZHI_WECHAT_ENDPOINT to the gateway's host:port")
    if not settings.token:
        return Check("wechat", "FAIL", "an endpoint but no token: set wechat.token or "
                                       "GONGZHI_WECHAT_TOKEN (the gateway's token; any "
                                       "non-empty string if the gateway has none)")
    from bot.transports.wechat import EndpointRefused, check_endpoint

    try:
        host, port = await check_endpoint(settings)
    except EndpointRefused as e:
        return Check("wechat", "FAIL", str(e))
    except OSError as e:
        return Check("wechat", "FAIL", f"cannot resolve {settings.endpoint} ({_short(e)}): "
                                       "check wechat.endpoint")
    return await _ask_version(settings, host, port)


async def _ask_version(settings: WechatSettings, host: str, port: int) -> Check:
    from grpclib.client import Channel
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError
    from wechaty_grpc.wechaty import PuppetStub

    where = settings.endpoint
    try:
        async with asyncio.timeout(TIMEOUT):
            _, writer = await asyncio.open_connection(host, port)
        writer.close()
    except (OSError, TimeoutError) as e:
        return Check("wechat", "FAIL", f"nothing answers at {where} ({_short(e)}): start the "
                                       f"gateway, or open the SSH/TLS tunnel to it ({TUNNEL_HINT})")
    channel = Channel(host=host, port=port)
    channel._authority = settings.token  # how the puppet-service client sends its token
    try:
        async with asyncio.timeout(TIMEOUT):
            version = (await PuppetStub(channel).version()).version
    except GRPCError as e:
        if e.status == Status.UNIMPLEMENTED:
            return Check("wechat", "ok", f"gateway at {where} answers gRPC")
        if e.status in (Status.UNAUTHENTICATED, Status.PERMISSION_DENIED):
            return Check("wechat", "FAIL", f"the gateway at {where} refused the token "
                                           f"({e.message}): check wechat.token")
        return Check("wechat", "FAIL", f"the gateway at {where} answered {e.status.name} "
                                       f"({e.message}): see its logs")
    except Exception as e:
        return Check("wechat", "FAIL", f"{where} does not answer as a puppet gateway "
                                       f"({_short(e)}): is the port right? ({TUNNEL_HINT})")
    finally:
        channel.close()
    return Check("wechat", "ok", f"gateway at {where} answers (version {version or 'unknown'}); "
                                 "the login state shows in `gongzhi run`'s log")


@click.command("doctor")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="TOML config (default: config.toml if present, else the example).")
@click.option("--db", "db_url", help="SQLAlchemy URL; overrides the config.")
def doctor_cmd(config_path: str | None, db_url: str | None) -> None:
    """Check config, database, migrations and the WeChat gateway; one line each."""
    checks = asyncio.run(run_checks(config_path, db_url))
    for check in checks:
        click.echo(check.line())
    if any(c.level == "FAIL" for c in checks):
        sys.exit(1)
