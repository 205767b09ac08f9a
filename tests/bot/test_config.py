"""Config: the example loads; bad files stop with one line naming the key and line."""

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_example_config_is_complete_and_valid():
    c = load_config(EXAMPLE, env={})
    assert [g.key for g in c.groups] == ["lvyuan", "qiaoxi"]
    assert c.groups[0].roles[2].buildings == "5,6"
    assert c.groups[0].route_table()["elevator"] == ["property"]


def test_unknown_key_names_key_and_line(tmp_path):
    p = write(tmp_path, '[bot]\nname = "小治"\n\n[[groups]]\nkey = "a"\nestate = "A"\nroom = "A群"\ncoordinatrs = ["x"]\n')
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert str(e.value).startswith(f"{p}:8: groups[0].coordinatrs: unknown key")


def test_wrong_type_names_key_and_line(tmp_path):
    p = write(tmp_path, '[[groups]]\nkey = "a"\nestate = "A"\nroom = "A群"\n\n[[groups]]\nkey = "b"\nestate = "B"\nroom = "B群"\npileon_window_minutes = "soon"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert f"{p}:10: groups[1].pileon_window_minutes:" in str(e.value)


def test_missing_required_value(tmp_path):
    p = write(tmp_path, '[[groups]]\nkey = "a"\nroom = "A群"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert "groups[0].estate: required value is missing" in str(e.value)


def test_unknown_role_in_routes(tmp_path):
    p = write(tmp_path, '[[groups]]\nkey = "a"\nestate = "A"\nroom = "A群"\n[groups.routes]\nelevator = ["plumber"]\n')
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert "unknown role code 'plumber'" in str(e.value)


def test_not_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[bot\n"), env={})


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="copy config.example.toml"):
        load_config(tmp_path / "nope.toml", env={})


def test_secrets_from_environment():
    c = load_config(EXAMPLE, env={"GONGZHI_DATABASE_URL": "postgresql+asyncpg://x@h/db",
                                  "GONGZHI_WECHAT_TOKEN": "tok"})
    assert c.database.url == "postgresql+asyncpg://x@h/db"
    assert c.wechat.token == "tok"
