"""Benchmarks of the engine (issue 6): each row runs a workload and its baseline in the same run."""
