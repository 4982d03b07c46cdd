"""Command-line interface: playbooks."""
