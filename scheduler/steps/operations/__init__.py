"""operations steps."""
