"""Transports: sandbox (terminal), replay (JSONL with a virtual clock), WeChat."""
