"""The pure domain: clock, statuses, dedupe keys, the playbook spec. No I/O; imports only the catalog."""
