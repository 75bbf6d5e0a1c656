"""Plain Django views for the API's edges (what ninja does not route)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .errors import problem_response


@csrf_exempt
def api_not_found(request):
    """Any other /api/ URL: a problem+json 404, not the web's HTML page."""
    return problem_response(request, "not_found", _("There is nothing here you can see."))
