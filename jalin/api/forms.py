from django import forms
from django.utils.translation import gettext_lazy as _

from .tokens import MAX_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What will use it, e.g. the school information system."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, initial=["read"],
        choices=[("read", _("read: see cases, sessions and measures")),
                 ("write", _("write: create and change them")),
                 ("transcripts", _("transcripts: upload transcripts and read their analysis"))])
    days = forms.IntegerField(label=_("Expires after (days)"), min_value=1, max_value=MAX_DAYS, initial=90)
