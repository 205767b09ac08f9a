"""The command line as a user runs it: demo, the terminal sandbox, tickets, db, guide."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def gongzhi(*args, stdin=None, timeout=120, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, input=stdin,
                          env={**os.environ, "COLUMNS": "200"}, capture_output=True,
                          text=True, timeout=timeout)


def test_demo_plays_a_week():
    proc = gongzhi("demo", "--plain")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "已登记 #1" in out and "@物业小王" in out
    assert "已合并到 #1" in out
    assert "【紧急】" in out
    assert "已办结" in out and "5星" in out
    assert "已交给 @物业小王 负责" in out
    assert "早上好呀各位邻居[太阳]\n" in out  # chit-chat: no bot line follows it
    assert "Traceback" not in proc.stderr


def test_sandbox_chat_through_stdin(tmp_path):
    stdin = "王阿姨: 3幢电梯坏了\n这行没有冒号\n张网格长：/清单\n:退出\n"
    proc = gongzhi("run", "--config", "config.example.toml", "--db",
                   f"sqlite+aiosqlite:///{tmp_path}/s.db", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    assert "小治: 已登记 #1" in proc.stdout
    assert "输入 “名字: 消息” 发言" in proc.stdout  # the line without a name got the hint
    assert "未办结 1 件" in proc.stdout


def test_bad_config_stops_with_one_line(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[bot]\nnmae = 1\n", encoding="utf-8")
    proc = gongzhi("run", "--config", str(bad))
    assert proc.returncode == 1
    assert f"{bad}:2: bot.nmae: unknown key" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_db_upgrade_then_up_to_date(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/u.db"
    first = gongzhi("db", "upgrade", "--db", url)
    assert first.returncode == 0 and first.stdout.startswith("applied: 0001_core")
    again = gongzhi("db", "upgrade", "--db", url)
    assert "already up to date" in again.stdout


def test_guide_is_current():
    proc = gongzhi("guide", "--check")
    assert proc.returncode == 0, proc.stderr


def test_tickets_of_an_empty_database(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/e.db"
    gongzhi("db", "upgrade", "--db", url)
    proc = gongzhi("tickets", "--db", url, "--json")
    assert proc.returncode == 0 and proc.stdout == ""


def test_remote_gateway_endpoint_is_refused_in_one_line(tmp_path):
    env = {**os.environ, "GONGZHI_WECHAT_TOKEN": "t", "GONGZHI_WECHAT_ENDPOINT": "8.8.8.8:8788"}
    proc = subprocess.run([sys.executable, "-m", "bot", "run", "--config", "config.example.toml",
                           "--db", f"sqlite+aiosqlite:///{tmp_path}/w.db"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "SSH or TLS tunnel" in proc.stderr and "Traceback" not in proc.stderr
