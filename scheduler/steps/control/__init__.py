"""control steps."""
