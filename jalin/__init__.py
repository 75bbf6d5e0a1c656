"""Jalin: a counseling practice system (cases, measures, session analysis)."""

__version__ = "0.1.0"
