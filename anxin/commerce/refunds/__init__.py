"""Refunds: the policy (data) and the service that applies it."""
