"""Delivery steps: email and in-app notifications (side effects, keyed)."""
