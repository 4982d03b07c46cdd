"""Pricing steps (Money Mike): our prices against the competitors'."""
