"""Chinese time phrases of `/提醒` -> a trigger spec (see triggers.py), or a polite refusal.

JioNLP's time parser (`jionlp-time`, with `ret_future` off and `strict` on so that the
reminder's own text is never read as part of the time) does most of the work. It
gets a few phrases wrong, which are read here first:
- 每月最后一天 (it returns the wrong day) -> cron day="last";
- 工作日 / 每个工作日 (it fails) -> cron day_of_week="mon-fri";
- 每周一三五 (it keeps only the first day) -> cron day_of_week="mon,wed,fri".
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.schedule.settings import ScheduleSettings
from handlers.schedule.triggers import first_fire
from handlers.sla import in_quiet_hours

EXAMPLE = "例如：/提醒 每周二 9:00 小区服务日，或 /提醒 明天下午3点 检查消防通道"
WEEKDAYS = "一二三四五六日"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LAST_DAY = re.compile(r"^每个?月(?:的)?最后一天")
_WORKDAY = re.compile(r"^(?:每个|每周的?|每)?工作日")
_MULTI_DAYS = re.compile(r"^每(?:周|星期|礼拜)([一二三四五六日天](?:[、,，和及]?[一二三四五六日天])+)")
_PART_OF_DAY = re.compile(r"早|晚|上午|下午|中午|凌晨|傍晚")


class PhraseError(ValueError):
    """A time phrase the bot cannot use; `str(err)` is the polite Chinese reason."""


@dataclass(frozen=True, slots=True)
class ReminderSpec:
    trigger: dict[str, Any]
    phrase: str  # the time phrase as written
    text: str  # what to remind of
    first_at: datetime  # first fire time


def _jio(phrase: str, base: datetime) -> dict | None:
    """JioNLP's reading of `phrase`, or None; it prints tracebacks, so they are swallowed."""
    from jionlp_time import parse_time

    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        try:
            return parse_time(
                phrase, time_base=base.strftime("%Y-%m-%d %H:%M:%S"), ret_future=False,
                strict=True,
            )
        except Exception:  # noqa: BLE001 - any failure means "cannot read it"
            return None


def _split(args: str, base: datetime) -> tuple[str, dict, str] | None:
    """The longest leading time phrase JioNLP reads, its reading, and the rest."""
    tokens = args.split()
    for n in range(len(tokens) - 1, 0, -1):
        phrase = " ".join(tokens[:n])
        res = _jio(phrase, base)
        if res is not None:
            return phrase, res, " ".join(tokens[n:])
    head = tokens[0] if tokens else ""
    for n in range(len(head) - 1, 0, -1):
        res = _jio(head[:n], base)
        if res is not None:
            return head[:n], res, (head[n:] + " " + " ".join(tokens[1:])).strip()
    return None


def _local(s: str, tz: ZoneInfo) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)


def _moment(span: list, phrase: str, settings: ScheduleSettings, tz: ZoneInfo) -> datetime:
    """The moment a [start, end] reading means; a whole day means the default hour."""
    start, end = _local(span[0], tz), _local(span[1], tz)
    if end - start < timedelta(hours=23):
        return start
    if _PART_OF_DAY.search(phrase):
        raise PhraseError(f"请写明几点，{EXAMPLE}")
    return datetime.combine(start.date(), settings.hhmm("default_reminder_time"), tzinfo=tz)


def _time_of_day(rest: str, now: datetime, settings: ScheduleSettings) -> tuple[time, str]:
    """A leading time of day in `rest` (default: the configured hour) and the text after it."""
    found = _split(rest + " _", now) if rest else None
    if found and found[1]["type"] == "time_point":
        at = _moment(found[1]["time"], found[0], settings, now.tzinfo)  # type: ignore[arg-type]
        return at.time(), found[2].removesuffix("_").strip()
    return settings.hhmm("default_reminder_time"), rest


def _special(args: str, now: datetime, settings: ScheduleSettings) -> tuple[dict, str, str] | None:
    """Phrases JioNLP misreads: (trigger without the time, phrase, rest) or None."""
    if m := _LAST_DAY.match(args):
        return {"type": "cron", "day": "last"}, m.group(), args[m.end():]
    if m := _WORKDAY.match(args):
        return {"type": "cron", "day_of_week": "mon-fri"}, m.group(), args[m.end():]
    if m := _MULTI_DAYS.match(args):
        days = [WEEKDAYS.index(c.replace("天", "日")) for c in m.group(1) if c in WEEKDAYS + "天"]
        dow = ",".join(_DAY_NAMES[d] for d in sorted(set(days)))
        return {"type": "cron", "day_of_week": dow}, m.group(), args[m.end():]
    return None


def _period_trigger(reading: dict, phrase: str, settings: ScheduleSettings, tz) -> dict:
    delta, point = reading["time"]["delta"], reading["time"]["point"]
    if not point or not point.get("time") or point["time"][0] is None:
        raise PhraseError(f"请写明日子和几点，{EXAMPLE}")
    at = _moment(point["time"], phrase, settings, tz)
    clock = {"hour": at.hour, "minute": at.minute}
    if delta == {"day": 1}:
        return {"type": "cron", **clock}
    if delta == {"day": 7}:
        return {"type": "cron", "day_of_week": _DAY_NAMES[at.weekday()], **clock}
    if delta == {"month": 1}:
        return {"type": "cron", "day": str(at.day), **clock}
    if delta == {"year": 1}:
        return {"type": "cron", "month": str(at.month), "day": str(at.day), **clock}
    if list(delta) == ["day"] and float(delta["day"]).is_integer() and delta["day"] > 1:
        days = int(delta["day"])
        spec = {"weeks": days // 7} if days % 7 == 0 else {"days": days}
        return {"type": "interval", **spec, "start": at.isoformat()}
    raise PhraseError(f"这个周期暂时设不了，{EXAMPLE}")


def _trigger(reading: dict, phrase: str, now: datetime, settings: ScheduleSettings) -> dict:
    tz = now.tzinfo
    if reading["type"] == "time_period":
        return _period_trigger(reading, phrase, settings, tz)
    if reading["type"] == "time_point":
        if reading.get("definition") == "blur":
            raise PhraseError(f"请写明几点，{EXAMPLE}")
        at = _moment(reading["time"], phrase, settings, tz)
        if at <= now:
            raise PhraseError(f"这个时间已经过去了，请写将来的时间，{EXAMPLE}")
        return {"type": "date", "at": at.isoformat()}
    if reading["type"] == "time_delta":
        raise PhraseError(f"请写“3天后”这样的说法，{EXAMPLE}")
    raise PhraseError(f"请写一个具体的时间点，{EXAMPLE}")


def parse_reminder(args: str, now: datetime, settings: ScheduleSettings) -> ReminderSpec:
    """Read `/提醒` arguments ("<time phrase> <text>") at local time `now`."""
    tz = ZoneInfo(settings.timezone)
    now = now.astimezone(tz)
    args = args.replace("\u3000", " ").replace("：", ":").strip()
    if special := _special(args, now, settings):
        trigger, phrase, rest = special
        tod, text = _time_of_day(rest.strip(), now, settings)
        trigger |= {"hour": tod.hour, "minute": tod.minute}
        phrase = f"{phrase} {tod:%H:%M}"
    elif _jio(args, now) is not None:
        raise PhraseError(f"请在时间后面写上提醒的内容，{EXAMPLE}")
    else:
        found = _split(args, now)
        if found is None:
            raise PhraseError(f"没看懂提醒的时间，{EXAMPLE}")
        phrase, reading, text = found
        trigger = _trigger(reading, phrase, now, settings)
    if not text:
        raise PhraseError(f"请在时间后面写上提醒的内容，{EXAMPLE}")
    at = first_fire(trigger, now, tz)
    if at is None:
        raise PhraseError(f"这个时间已经过去了，{EXAMPLE}")
    if in_quiet_hours(at, settings):
        raise PhraseError(
            f"{settings.quiet_start}–{settings.quiet_end} 是免打扰时段，请换个时间，{EXAMPLE}"
        )
    return ReminderSpec(trigger=trigger, phrase=phrase, text=text, first_at=at)


_SPAN = re.compile(r"^(\d{1,3}|[一二两三四五六七八九十]{1,3}|半)\s*(?:个)?\s*(天|日|小时|钟头|周|星期|礼拜)$")
_CN_NUM = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}
_UNIT = {"天": "days", "日": "days", "小时": "hours", "钟头": "hours", "周": "weeks",
         "星期": "weeks", "礼拜": "weeks"}
DEADLINE_EXAMPLE = "例如：/期限 12 3天，/期限 12 明天下午5点，/期限 12 复杂"


def _cn_int(s: str) -> float:
    if s == "半":
        return 0.5
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _CN_NUM[s]
    tens, _, ones = s.partition("十")
    return (_CN_NUM.get(tens, 1) if tens else 1) * 10 + (_CN_NUM.get(ones, 0) if ones else 0)


def parse_deadline(what: str, now: datetime, settings: ScheduleSettings) -> datetime:
    """A new deadline: a span from now ("3天", "两小时") or a moment ("明天下午5点")."""
    what = what.strip()
    if m := _SPAN.match(what):
        amount = _cn_int(m.group(1))
        if amount <= 0:
            raise PhraseError(f"期限要比现在晚，{DEADLINE_EXAMPLE}")
        return now + timedelta(**{_UNIT[m.group(2)]: amount})
    reading = _jio(what, now.astimezone(ZoneInfo(settings.timezone)))
    if reading is None or reading["type"] != "time_point" or reading["definition"] == "blur":
        raise PhraseError(f"没看懂这个期限，{DEADLINE_EXAMPLE}")
    tz = ZoneInfo(settings.timezone)
    start, end = (_local(x, tz) for x in reading["time"])
    due = start if end - start < timedelta(hours=23) else datetime.combine(
        start.date(), settings.hhmm("simple_due"), tzinfo=tz)
    if due <= now:
        raise PhraseError(f"这个时间已经过去了，{DEADLINE_EXAMPLE}")
    return due
