from django import forms
from django.utils.translation import gettext_lazy as _

from .cues import MAX_TURN_CHARS


class TurnForm(forms.Form):
    # No max_length here: an over-long turn reaches the engine, which says how long it was and the limit.
    text = forms.CharField(label=_("What you say"), required=False, strip=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True,
                                                         "maxlength": MAX_TURN_CHARS}))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StartForm(forms.Form):
    scenario = forms.CharField(max_length=40)
    lang = forms.ChoiceField(choices=[("id", "Bahasa Indonesia"), ("en", "English")])
