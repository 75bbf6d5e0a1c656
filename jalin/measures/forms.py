"""A form built from an instrument definition, plus the small forms around measures."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .instruments import list_instruments
from .models import MeasureSchedule


def instrument_choices(scored_only: bool = False):
    return [(i.code, i.short_title) for i in list_instruments()
            if not i.placeholder_wording and (i.scored or not scored_only)]


class InstrumentForm(forms.Form):
    """One field per item, named ``item_<id>``; validation and scoring stay with the instrument."""

    def __init__(self, instrument, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            name = f"item_{item.id}"
            if item.type == "text":
                field = forms.CharField(label=item.text, required=item.required, max_length=4000,
                                        widget=forms.Textarea(attrs={"rows": 2}))
            elif item.options:
                field = forms.TypedChoiceField(label=item.text, required=item.required, coerce=int,
                                               choices=[(o.value, o.label) for o in item.options],
                                               widget=forms.RadioSelect)
            else:
                field = forms.IntegerField(label=item.text, required=item.required, min_value=item.min,
                                           max_value=item.max)
            self.fields[name] = field

    def answers(self) -> dict:
        return {name.removeprefix("item_"): value for name, value in self.cleaned_data.items()
                if value not in (None, "")}

    def add_answer_errors(self, error, lang: str) -> None:
        for problem in error.problems:
            field = f"item_{problem.item}" if problem.item and f"item_{problem.item}" in self.fields else None
            self.add_error(field, problem.text(lang))


class ChooseInstrumentForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=())
    language = forms.ChoiceField(label=_("Language for the counselee"),
                                 choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    hours = forms.IntegerField(label=_("Link valid for (hours)"), min_value=1, max_value=14 * 24, initial=72,
                               required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices()


class ScheduleForm(forms.ModelForm):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=())

    class Meta:
        model = MeasureSchedule
        fields = ["instrument", "when", "every", "no_improvement_after", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices()

    def clean_every(self):
        every = self.cleaned_data["every"]
        if not 1 <= every <= 10:
            raise forms.ValidationError(_("Every 1 to 10 sessions."))
        return every


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("What did you do about it?"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
