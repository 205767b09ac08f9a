"""Timed work: deadlines, reminders, escalation, the weekly digest.

Importing this package registers the `schedule` timed job (handlers/timed.py); the
commands (/期限, /周报, /提醒…) live in handlers/schedule/commands.py and are loaded
by handlers/commands. See docs/schedule.md.
"""

from handlers.schedule import jobs  # noqa: F401  (registers the timed job)
