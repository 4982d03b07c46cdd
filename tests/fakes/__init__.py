"""tests/fakes package."""
