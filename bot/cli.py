"""The `gongzhi` command line (same as `python -m bot`)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import click

from bot.config import Config, ConfigError, load_config

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("jieba", "asyncio", "apscheduler", "matplotlib"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _config(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """gongzhi: the co-governance group clerk (九长共治小助手)."""
    _setup_logging(verbose)


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="TOML config (default: config.toml if present, else the example).")
@click.option("--db", "db_url", help="SQLAlchemy URL; overrides the config.")
def run(config_path: str | None, db_url: str | None) -> None:
    """Run the bot: on WeChat when a puppet token and endpoint are configured, otherwise an
    interactive terminal group chat (type `名字: 消息`)."""
    path = config_path or ("config.toml" if Path("config.toml").exists() else str(EXAMPLE_CONFIG))
    config = _config(path)
    from bot.runner import StartError, run_bot

    try:
        asyncio.run(run_bot(config, db_url))
    except StartError as e:
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command()
@click.option("--db", "db_url", help="Database URL (default: a fresh temporary SQLite file).")
@click.option("--plain", is_flag=True, help="No colours.")
def demo(db_url: str | None, plain: bool) -> None:
    """Play a scripted week in one estate's group and print the conversation."""
    from bot.demo import play

    asyncio.run(play(_config(str(EXAMPLE_CONFIG)), db_url, plain))


@cli.command()
@click.argument("transcript", type=click.File("r", encoding="utf-8"))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_url", help="SQLAlchemy URL (default: a fresh temporary SQLite file).")
@click.option("--until", help="Run the virtual clock on to this ISO time after the last line.")
def replay(transcript, config_path: str | None, db_url: str | None, until: str | None) -> None:
    """Replay a JSONL transcript; print one JSON line per message the bot sends."""
    from bot.app import Application
    from bot.clock import VirtualClock
    from bot.replay import run, sent_lines
    from bot.transports.replay import ReplayTransport, read_transcript

    config = _config(config_path)
    url = db_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='gongzhi-')}/replay.db"
    try:
        end = datetime.fromisoformat(until) if until else None
        messages = list(read_transcript(transcript, config.bot.name))
    except ValueError as e:
        raise click.ClickException(f"{transcript.name}: {e}") from None
    if end is not None and end.tzinfo is None:
        raise click.ClickException("--until needs a time zone, e.g. 2026-03-16T00:00:00+08:00")
    start = messages[0].at if messages else (end or datetime.now().astimezone())

    async def go() -> list[dict]:
        clock = VirtualClock(start, config.bot.timezone)
        async with Application(config, ReplayTransport(), clock=clock, db_url=url,
                               serve_unknown_rooms=True) as app:
            await run(app, messages, end)
            return await sent_lines(app)

    for line in asyncio.run(go()):
        click.echo(json.dumps(line, ensure_ascii=False))


@cli.command()
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL of the database to read.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per ticket.")
def tickets(db_url: str, as_json: bool) -> None:
    """List the tickets in a database (e.g. what a replay left behind)."""
    from bot.reports import print_tickets

    asyncio.run(print_tickets(db_url, as_json))


@cli.group("db")
def db_group() -> None:
    """Database schema: migrations."""


@db_group.command("upgrade")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_url", help="SQLAlchemy URL; overrides the config.")
def db_upgrade(config_path: str | None, db_url: str | None) -> None:
    """Apply every pending Alembic migration."""
    from storage import db

    url = db_url or _config(config_path).database.url

    async def go() -> list[str]:
        engine = db.create_engine(url)
        try:
            before = await db.pending_migrations(engine)
            await db.upgrade(engine)
            return before
        finally:
            await engine.dispose()

    try:
        applied = asyncio.run(go())
    except OSError as e:
        raise click.ClickException(f"cannot reach the database at {url}: {e}; is it running?") from None
    click.echo(f"applied: {', '.join(applied)}" if applied else "already up to date")


@cli.command()
@click.option("--check", is_flag=True, help="Fail if docs/使用指南.md is out of date.")
def guide(check: bool) -> None:
    """Write the coordinators' guide (docs/使用指南.md) from the command registry."""
    import handlers.commands  # noqa: F401
    from handlers.commands.registry import guide_markdown

    path = Path(__file__).resolve().parent.parent / "docs" / "使用指南.md"
    text = guide_markdown()
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of date: run `gongzhi guide`")
        click.echo("guide is up to date")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


@cli.command()
@click.option("--messages", default=3000, show_default=True, help="Messages per database.")
@click.option("--groups", default=20, show_default=True)
@click.option("--pg", "pg_url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
              show_default=True, help="PostgreSQL URL ('' to skip).")
def bench(messages: int, groups: int, pg_url: str) -> None:
    """End-to-end speed: messages/s, p50/p99 latency, peak memory, on SQLite and PostgreSQL."""
    from bot.bench import main as bench_main

    asyncio.run(bench_main(messages, groups, pg_url))


def _feature(module: str, attr: str) -> None:
    """Commands that live beside their feature (NLU, WeChat doctor); imported here so
    `gongzhi --help` lists them."""
    cli.add_command(getattr(importlib.import_module(module), attr))


_feature("bot.cli_nlu", "parse_cmd")
_feature("bot.cli_nlu", "eval_nlu_cmd")
_feature("bot.cli_nlu", "bench_nlu_cmd")
_feature("bot.doctor", "doctor_cmd")


def main() -> None:
    cli(prog_name="gongzhi")
