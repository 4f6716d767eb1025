"""Commands: placeholder until the part that owns this file lands."""

COMMANDS: list = []
