"""The shim that lets python-wechaty 0.10.7 import on Python 3.11 (bot/transports/wechaty_compat.py).

Each check runs in a fresh interpreter, because the point is what happens the first time
`wechaty` is imported.
"""

from __future__ import annotations

import logging
import subprocess
import sys


def run_python(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_wechaty_does_not_import_without_the_shim(tmp_path):
    result = run_python("import wechaty", tmp_path)

    assert result.returncode != 0
    assert "mutable default" in result.stderr
    assert "PuppetOptions" in result.stderr


def test_wechaty_imports_through_the_compat_module(tmp_path):
    code = (
        "from bot.transports import wechaty_compat as wc\n"
        "a, b = wc.PuppetOptions(token='a'), wc.PuppetOptions(token='b')\n"
        "options = wc.WechatyOptions(puppet_options=a)\n"
        "print(wc.Wechaty.__name__, options.puppet_options.token, b.token, hash(a) != hash(b))\n"
    )
    result = run_python(code, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Wechaty", "a", "b", "True"]


def test_importing_wechaty_leaves_no_cache_directory_in_the_working_directory(tmp_path):
    result = run_python("import bot.transports.wechaty_compat", tmp_path)

    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_client_warning_that_echoes_the_token_is_dropped():
    from bot.transports import wechaty_compat  # noqa: F401

    logger = logging.getLogger("PuppetService")
    record = logger.makeRecord("PuppetService", logging.WARNING, __file__, 1,
                               "there are endpoint<%s> and token<%s>", ("h:1", "secret"), None)
    other = logger.makeRecord("PuppetService", logging.WARNING, __file__, 1, "plain", (), None)

    assert not logger.filter(record)
    assert logger.filter(other)
