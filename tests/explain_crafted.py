"""Small crafted scenarios (two to four regions) for the explain tests, each built so one known limit binds.
A uniquely named module: conftest files of different folders all import as ``conftest`` and would collide."""

from planner.explain import ExplainOptions

NO_LATENCY_VALUES = ExplainOptions()

LOW_DEMAND = "demand.agents_per_capita=0.05"  # keeps every other limit slack, so only the crafted one binds

CRAFTED = {
    "latency_budget": ("great-britain", ["regions.count=2", LOW_DEMAND, "service_classes.interactive.rtt_budget_ms=1"]),
    "grid": ("great-britain", ["regions.count=2", "grid.zone_headroom_mw.GB=10"]),
    # little agentic demand: with the cap lifted, serving India's large agentic peak at the plan's sites would also
    # need more hall and connection capacity there (a combined reason)
    "export_cap": ("india", ["regions.count=2", LOW_DEMAND, "policy.rules=diffusion-2025", "policy.tpp_cap=1e7",
                             "chips.candidates=[H100]", "demand.classes.agentic.tokens_per_agent_day=100"]),
}
