"""Timed work: deadlines, reminders, escalation, the weekly digest."""
