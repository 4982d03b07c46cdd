"""The single sources of truth: personas, events and step metadata, declared once."""
