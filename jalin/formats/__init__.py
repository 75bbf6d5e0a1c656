"""One date and time format per language across Jalin's screens (settings.FORMAT_MODULE_PATH).

Django's own Indonesian format ("j N Y") differed from the "d M Y" the templates wrote out, so a single
screen showed several formats. Templates use ``{{ day }}``, ``|date`` or ``|date:"DATETIME_FORMAT"``."""
