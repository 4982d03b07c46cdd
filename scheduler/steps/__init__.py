"""scheduler/steps package."""
