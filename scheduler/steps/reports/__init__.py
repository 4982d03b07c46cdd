"""Report steps over the organisation's own commerce data."""
