"""CLI subcommands, one module each; ``COMMANDS`` is the list ``planner.cli`` registers."""

COMMANDS: list = []
