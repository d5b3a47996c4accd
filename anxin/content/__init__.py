"""Paid knowledge: articles, audio courses with lessons, live events with seats, paid questions."""
