"""[schedule] settings: defaults, per-group overrides, and errors that name the key."""

import pytest
from pydantic import ValidationError

from bot.config import ConfigError, load_config
from handlers.schedule.settings import ScheduleSettings


def test_defaults_match_the_issue():
    s = ScheduleSettings()
    assert (s.quiet_start, s.quiet_end) == ("22:00", "07:30")
    assert (s.digest_weekday, s.digest_time) == (0, "09:00")
    assert (s.urgent_ack_minutes, s.urgent_resolve_hours, s.complex_days) == (30, 4, 3)


def test_group_override_by_key_or_room():
    s = ScheduleSettings(groups={"lvyuan": {"quiet_start": "21:30", "digest_weekday": 4},
                                 "room-9": {"morning_list": False}})
    assert s.for_group("lvyuan").quiet_start == "21:30"
    assert s.for_group("lvyuan").digest_weekday == 4
    assert s.for_group("lvyuan").quiet_end == "07:30"  # the rest is inherited
    assert s.for_group("other", "room-9").morning_list is False
    assert s.for_group("other", "room-1") is s


@pytest.mark.parametrize("bad", [
    {"quiet_start": "25:00"},
    {"digest_weekday": 7},
    {"groups": {"lvyuan": {"quiet_stat": "21:00"}}},  # a typo in an override
    {"groups": {"lvyuan": {"digest_time": "9点"}}},
])
def test_bad_values_are_rejected(bad):
    with pytest.raises(ValidationError):
        ScheduleSettings(**bad)


def test_config_file_error_names_the_key(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[schedule]\nquiet_start = "22:00"\nqiuet_end = "07:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "schedule.qiuet_end" in str(err.value)


def test_config_file_with_group_override(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[schedule.groups.lvyuan]\nquiet_start = "21:30"\n', encoding="utf-8")
    assert load_config(path).schedule.for_group("lvyuan").quiet_start == "21:30"
