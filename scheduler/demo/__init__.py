"""The demo organisation that `playbooks serve` seeds on an empty database."""
