"""``{% privacy_panel counselee %}`` / ``{% privacy_panel case.counselee case %}``: consent state on a page.

The page that includes it has already opened the counselee or case through the access helpers.
"""

from django import template

from jalin.cases import access

from ..consent import latest_consents, processing_allowed, recording_allowed

register = template.Library()


@register.inclusion_tag("privacy/panel.html", takes_context=True)
def privacy_panel(context, counselee, case=None):
    user = context["request"].user
    disclosures = list(case.disclosures.all()) if case is not None else []
    # Read once for both answers; not at all when the case page found its counselee has no consent rows.
    latest = latest_consents(counselee) if getattr(case, "has_consents", True) else {}
    return {"counselee": counselee, "case": case, "processing_ok": processing_allowed(counselee, latest),
            "recording_ok": recording_allowed(counselee, latest), "disclosures": disclosures,
            "writable": case is not None and access.can_write(user, case)}
