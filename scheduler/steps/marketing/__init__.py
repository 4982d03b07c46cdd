"""marketing steps."""
