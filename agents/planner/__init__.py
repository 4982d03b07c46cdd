"""The deterministic planner: one chat request -> the plan of evals/CONTRACT.md."""
from agents.planner.batch import plan_batch
from agents.planner.compose import plan

__all__ = ["plan", "plan_batch"]
