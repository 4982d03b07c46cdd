"""The store: engine and migrations, tables, repositories."""
