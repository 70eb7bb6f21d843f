"""CLI subcommands, one module each; ``COMMANDS`` is the list ``planner.cli`` registers."""

COMMANDS: list = []

from planner.commands.solve import solve, validate  # noqa: E402

COMMANDS += [solve, validate]

from planner.commands.bench import bench  # noqa: E402

COMMANDS.append(bench)

from planner.commands.latency import latency  # noqa: E402

COMMANDS.append(latency)

from planner.commands.chips import chips  # noqa: E402

COMMANDS.append(chips)

from planner.commands.roofline import roofline  # noqa: E402

COMMANDS.append(roofline)

from planner.commands.demand import demand  # noqa: E402

COMMANDS.append(demand)
