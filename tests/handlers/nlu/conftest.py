"""Fixtures of the message-understanding tests: one parser per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.nlu import Parser

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def parser() -> Parser:
    return Parser()
