"""Web steps: pages read through the guarded transport (scheduler/integrations/http)."""
