"""CLI subcommands, one module each, registered in ``COMMANDS`` and imported only when run.

Each entry is ``name: (module, attribute, short help)``; the short help is what ``planner --help`` lists, so
listing the commands imports none of them (the pipeline pulls in Pyomo, pandas and geopandas). A test checks
that every short help here matches the command's own docstring.
"""

COMMANDS: dict[str, tuple[str, str, str]] = {
    "solve": ("planner.commands.solve", "solve", "Solve SCENARIO into a checked plan, print its summary and write it to --out."),
    "validate": ("planner.commands.solve", "validate", "Check SCENARIO against the schema and the shipped data; list every problem at once."),
    "bench": ("planner.commands.bench", "bench", "Benchmarks with known answers."),
    "latency": ("planner.commands.latency", "latency", "Network round-trip time between places (fibre physics, route inflation, access delay)."),
    "chips": ("planner.commands.chips", "chips", "The accelerator catalog with TPP, performance density, export class, status and price multiplier."),
    "roofline": ("planner.commands.roofline", "roofline", "Throughput coefficients per (chip, service class) from the roofline kernel."),
    "demand": ("planner.commands.demand", "demand", "Forecast inference demand (M tokens/s at peak, generated tokens) and training compute of SCENARIO."),
    "report": ("planner.commands.report", "report", "Write the siting report of a plan or the comparison report of a study."),
    "init": ("planner.commands.init", "init", "Write a scenario for COUNTRY (ISO3 code or name) filled from the shipped data."),
    "sweep": ("planner.commands.sweep", "sweep", "Run the policy study STUDY.yaml: every run's plan in its own folder, a manifest and a results table."),
    "verify": ("planner.commands.verify", "verify", "Re-check the plan in PLAN_DIR against the raw data: one line per violation, exit code 1 if any."),
    "alternatives": ("planner.commands.alternatives", "alternatives", "Plans of SCENARIO within --slack of the optimal cost that differ most from it and each other."),
}
