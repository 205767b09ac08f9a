"""The command registry: every command documented once; /帮助 and the guide agree."""

from pathlib import Path

import handlers.commands  # noqa: F401
from handlers.commands.registry import find, guide_markdown, help_text, specs

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "使用指南.md"


def test_every_command_has_usage_summary_example_and_alias():
    assert len(specs()) >= 13
    for s in specs():
        assert s.usage.startswith(f"/{s.name}"), s.name
        assert s.example.startswith(f"/{s.name}"), s.name
        assert s.summary and s.alias.isascii() and s.alias.isalpha(), s.name
        assert find(s.alias) is s and find(s.name) is s


def test_names_and_aliases_are_unique():
    words = [w for s in specs() for w in (s.name, s.alias)]
    assert len(words) == len(set(words))


def test_guide_file_is_generated_from_the_registry():
    assert GUIDE.read_text(encoding="utf-8") == guide_markdown(), "run `gongzhi guide`"


def test_help_and_guide_share_the_same_lines():
    guide = guide_markdown()
    for line in help_text(True).splitlines():
        assert line in guide


def test_residents_help_hides_coordinator_commands():
    text = help_text(coordinator=False)
    assert "/派单" not in text and "/上报" in text
