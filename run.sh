#!/usr/bin/env bash
# Install, play the scripted demo week, then open the terminal group chat (sandbox).
# Embedded default: SQLite, no WeChat account needed.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
.venv/bin/gongzhi demo
if [ -t 0 ]; then
  echo
  echo "==> 终端群聊（sandbox）：输入 “名字: 消息”，:退出 结束"
  exec .venv/bin/gongzhi run --config config.example.toml --db "sqlite+aiosqlite:///sandbox.db"
fi
