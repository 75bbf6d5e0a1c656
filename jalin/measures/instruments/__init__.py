"""Instrument definitions (data files), validation, scoring, alerts and FHIR export.

Pure Python: nothing here imports Django. Exceptions::

    InstrumentError(Exception)          a definition file is unreadable or malformed (.file, .problems[].path)
    AnswerError(ValueError)             answers missing, unknown or out of range (.problems[].item)
    UnknownInstrumentError(LookupError) no definition for that code and language

Every one has ``.message(lang)`` in Bahasa Indonesia ("id") and English ("en").
"""

from .alerts import Alert, evaluate_alerts
from .fhir import questionnaire_response
from .loader import InstrumentError, Problem, load_instrument, parse_instrument
from .model import Band, Instrument, Item, Option, Subscale
from .registry import ENV_VAR, InstrumentInfo, UnknownInstrumentError, get_instrument, list_instruments
from .scoring import AnswerError, AnswerProblem, CriticalHit, Score, score

__all__ = [
    "ENV_VAR",
    "Alert",
    "AnswerError",
    "AnswerProblem",
    "Band",
    "CriticalHit",
    "Instrument",
    "InstrumentError",
    "InstrumentInfo",
    "Item",
    "Option",
    "Problem",
    "Score",
    "Subscale",
    "UnknownInstrumentError",
    "evaluate_alerts",
    "get_instrument",
    "list_instruments",
    "load_instrument",
    "parse_instrument",
    "questionnaire_response",
    "score",
]
