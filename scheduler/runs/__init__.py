"""Runs: the ledger that opens them, the executor, dispatch, recovery and the run history."""
