"""Events: the event log, the listeners of live playbooks, and the fan-out that starts their runs."""
