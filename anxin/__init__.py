"""Anxin (安心): an open platform for online psychological counselling and emotional support."""

__version__ = "0.1.0"
