"""Slash commands. Importing this package registers every command."""

from handlers.commands import help, roles, tickets  # noqa: F401
from handlers.schedule import commands as schedule_commands  # noqa: F401
