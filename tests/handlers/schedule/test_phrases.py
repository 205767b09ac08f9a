"""/提醒 time phrases -> triggers, /期限 phrases -> deadlines, and the polite refusals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule.phrases import PhraseError, parse_deadline, parse_reminder
from handlers.schedule.settings import ScheduleSettings
from handlers.schedule.triggers import next_fire

TZ = ZoneInfo("Asia/Shanghai")
S = ScheduleSettings()
NOW = datetime(2026, 3, 2, 8, 15, tzinfo=TZ)  # a Monday morning


def at(month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=TZ)


def fires(trigger: dict, n: int) -> list[datetime]:
    out, t = [], NOW
    for _ in range(n):
        t = next_fire(trigger, t, TZ)
        if t is None:
            break
        out.append(t)
    return out


@pytest.mark.parametrize(("args", "text", "first_three"), [
    ("每月15日 9:00 三方联合接访日", "三方联合接访日", [at(3, 15, 9), at(4, 15, 9), at(5, 15, 9)]),
    ("每周二 9:00 小区服务日", "小区服务日", [at(3, 3, 9), at(3, 10, 9), at(3, 17, 9)]),
    ("每两周周四 19:00 半月谈", "半月谈", [at(3, 5, 19), at(3, 19, 19), at(4, 2, 19)]),
    ("明天下午3点 检查消防通道", "检查消防通道", [at(3, 3, 15)]),
    ("下周一上午九点半 开会", "开会", [at(3, 9, 9, 30)]),
    ("今晚8点 巡逻", "巡逻", [at(3, 2, 20)]),
    ("3天后 回访王阿姨", "回访王阿姨", [at(3, 5, 9)]),  # a day without a time: 09:00
    ("后天 交材料", "交材料", [at(3, 4, 9)]),
    ("明天下午3点检查消防通道", "检查消防通道", [at(3, 3, 15)]),  # no space needed
    ("每天早上8点 晨练", "晨练", [at(3, 3, 8), at(3, 4, 8), at(3, 5, 8)]),
    ("每年3月5日 学雷锋日", "学雷锋日", [at(3, 5, 9)]),
    ("半小时后 取快递", "取快递", [at(3, 2, 8, 45)]),
])
def test_reminder_phrases(args, text, first_three):
    spec = parse_reminder(args, NOW, S)
    assert spec.text == text
    assert spec.first_at == first_three[0]
    assert fires(spec.trigger, len(first_three)) == first_three


def test_one_off_reminders_fire_once():
    spec = parse_reminder("明天下午3点 检查消防通道", NOW, S)
    assert spec.trigger["type"] == "date"
    assert fires(spec.trigger, 3) == [at(3, 3, 15)]


# What JioNLP misreads, read here first --------------------------------------------

def test_last_day_of_month():
    spec = parse_reminder("每月最后一天 17:00 交物业费", NOW, S)
    assert spec.text == "交物业费"
    assert fires(spec.trigger, 3) == [at(3, 31, 17), at(4, 30, 17), at(5, 31, 17)]


def test_last_day_of_month_without_a_time_uses_the_default_hour():
    spec = parse_reminder("每月最后一天 交物业费", NOW, S)
    assert spec.first_at == at(3, 31, 9)


@pytest.mark.parametrize("args", ["工作日 8:30 开门", "每个工作日 早上8点半 开门"])
def test_working_days(args):
    spec = parse_reminder(args, NOW, S)
    assert spec.text == "开门"
    days = fires(spec.trigger, 6)
    assert [d.weekday() for d in days] == [0, 1, 2, 3, 4, 0]
    assert {(d.hour, d.minute) for d in days} == {(8, 30)}


def test_several_weekdays():
    spec = parse_reminder("每周一三五 9点 巡楼", NOW, S)
    assert fires(spec.trigger, 4) == [at(3, 2, 9), at(3, 4, 9), at(3, 6, 9), at(3, 9, 9)]


# Refusals carry an example --------------------------------------------------------

@pytest.mark.parametrize(("args", "why"), [
    ("随便说说", "没看懂"),
    ("明天下午3点", "写上提醒的内容"),
    ("今晚 开会", "几点"),
    ("明天下午 开会", "几点"),
    ("每天 扫地", "几点"),
    ("每天23点 关灯", "免打扰"),
    ("3天 回访", "3天后"),
    ("昨天下午3点 开会", "过去"),
])
def test_refusals_say_why_and_give_an_example(args, why):
    with pytest.raises(PhraseError) as err:
        parse_reminder(args, NOW, S)
    assert why in str(err.value)
    assert "/提醒 每周二 9:00" in str(err.value)


def test_full_width_colon_and_space():
    spec = parse_reminder("每周二　9：00　小区服务日", NOW, S)
    assert (spec.text, spec.first_at) == ("小区服务日", at(3, 3, 9))


# /期限 ------------------------------------------------------------------------------

@pytest.mark.parametrize(("what", "due"), [
    ("3天", NOW + timedelta(days=3)),
    ("两小时", NOW + timedelta(hours=2)),
    ("一周", NOW + timedelta(weeks=1)),
    ("半天", NOW + timedelta(hours=12)),
    ("明天下午5点", at(3, 3, 17)),
    ("3月20日", at(3, 20, 18)),  # a day: by the usual same-day hour
])
def test_deadline_phrases(what, due):
    assert parse_deadline(what, NOW, S) == due


@pytest.mark.parametrize("what", ["昨天", "0天", "随便", "下午"])
def test_deadline_refusals(what):
    with pytest.raises(PhraseError) as err:
        parse_deadline(what, NOW, S)
    assert "/期限 12 3天" in str(err.value)
