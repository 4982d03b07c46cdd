"""Services over the store: playbooks (with validation on save)."""
