"""Measurement-based care: instrument definitions, scoring, alerts and FHIR export.

The pure-Python core lives in :mod:`jalin.measures.instruments` and never imports Django.
"""
