"""Forms for consents, data subject requests, disclosures and break-glass; saving happens in services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.cases.forms import DATE, DATETIME, TEXT

from .models import Consent, DataSubjectRequest, Disclosure

MAX_TEXT = 4000


def _clean_text(value: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise forms.ValidationError(_("The text contains a character that cannot be stored."))
    if required and not value:
        raise forms.ValidationError(_("This field is required."))
    if len(value) > max_length:
        raise forms.ValidationError(_("At most %(n)s characters.") % {"n": max_length})
    return value


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "given_by", "given_by_name", "given_on", "method", "scope", "retention_days", "viewers"]
        widgets = {"given_by_name": forms.TextInput, "given_on": DATE, "scope": TEXT}

    def __init__(self, *args, counselee=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.counselee = counselee
        self.fields["retention_days"].min_value = 1
        self.fields["retention_days"].widget.attrs.update(min=1, max=3650)

    def clean_given_by_name(self):
        return _clean_text(self.cleaned_data.get("given_by_name"), max_length=200)

    def clean_scope(self):
        return _clean_text(self.cleaned_data.get("scope"))

    def clean_given_on(self):
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError(_("The consent date is in the future."))
        if given_on.year < 2000:
            raise forms.ValidationError(_("Check the year of the consent date."))
        return given_on

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Consent.Kind.RECORDING:
            if not data.get("scope"):
                self.add_error("scope", _("Say what may be recorded."))
            days = data.get("retention_days")
            if days is None:
                self.add_error("retention_days", _("Say how long recordings are kept."))
            elif not 1 <= days <= 3650:
                self.add_error("retention_days", _("Keep recordings for 1 to 3650 days."))
            if not data.get("viewers"):
                self.add_error("viewers", _("Say who may view the recordings."))
        if kind == Consent.Kind.GUARDIAN:
            if self.counselee is not None and not self.counselee.is_minor:
                self.add_error("kind", _("Guardian consent is for minors; this counselee is an adult."))
            data["given_by"] = Consent.GivenBy.GUARDIAN
        if data.get("given_by") == Consent.GivenBy.GUARDIAN and not data.get("given_by_name"):
            self.add_error("given_by_name", _("Write the name of the parent or guardian."))
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("withdrawn on"), widget=DATE)
    reason = forms.CharField(label=_("reason for withdrawal"), widget=TEXT, max_length=MAX_TEXT)

    def clean_reason(self):
        return _clean_text(self.cleaned_data.get("reason"), required=True)

    def clean_withdrawn_on(self):
        day = self.cleaned_data["withdrawn_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The withdrawal date is in the future."))
        return day


class RequestForm(forms.ModelForm):
    class Meta:
        model = DataSubjectRequest
        fields = ["kind", "requested_by", "details", "received_at"]
        widgets = {"details": TEXT, "received_at": DATETIME}

    def clean_details(self):
        return _clean_text(self.cleaned_data.get("details"))

    def clean_received_at(self):
        received = self.cleaned_data["received_at"]
        now = timezone.now()
        if received > now + timedelta(minutes=5):
            raise forms.ValidationError(_("The request cannot be received in the future."))
        if received < now - timedelta(days=365):
            raise forms.ValidationError(_("Check the date: more than a year ago."))
        return received


class RequestActionForm(forms.Form):
    class Action:
        START = "start"
        COMPLETE = "complete"
        REFUSE = "refuse"

    action = forms.ChoiceField(choices=[("start", _("Start")), ("complete", _("Complete")),
                                        ("refuse", _("Refuse"))], widget=forms.HiddenInput)
    text = forms.CharField(label=_("outcome or reason"), widget=TEXT, required=False, max_length=MAX_TEXT)
    restrict = forms.BooleanField(label=_("stop further processing (objection upheld)"), required=False)

    def clean_text(self):
        return _clean_text(self.cleaned_data.get("text"))


class ErasureForm(forms.Form):
    mode = forms.ChoiceField(label=_("how"), choices=[
        ("anonymise", _("Anonymise: keep dates and scores, empty all content and identity")),
        ("delete", _("Delete every case and replace the identity"))], widget=forms.RadioSelect)
    confirm = forms.BooleanField(label=_("I understand this cannot be undone"))


class DisclosureForm(forms.ModelForm):
    class Meta:
        model = Disclosure
        fields = ["informed", "informed_name", "informed_at", "reason", "counselee_told",
                  "counselee_not_told_reason"]
        widgets = {"informed_name": forms.TextInput, "informed_at": DATETIME, "reason": TEXT,
                   "counselee_not_told_reason": TEXT}

    def clean_informed_name(self):
        return _clean_text(self.cleaned_data.get("informed_name"), max_length=200)

    def clean_reason(self):
        return _clean_text(self.cleaned_data.get("reason"), required=True)

    def clean_counselee_not_told_reason(self):
        return _clean_text(self.cleaned_data.get("counselee_not_told_reason"))

    def clean_informed_at(self):
        when = self.cleaned_data["informed_at"]
        if when > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The disclosure time is in the future."))
        if when.year < 2000:
            raise forms.ValidationError(_("Check the year."))
        return when

    def clean(self):
        data = super().clean()
        if "counselee_told" in data and not data.get("counselee_told") and not data.get(
                "counselee_not_told_reason") and "counselee_not_told_reason" not in self.errors:
            self.add_error("counselee_not_told_reason",
                           _("Say why the counselee was not told, or tick that they were told."))
        return data


class BreakGlassForm(forms.Form):
    case_code = forms.CharField(label=_("case code"), max_length=20)
    reason = forms.CharField(label=_("why you need emergency access"), widget=TEXT, max_length=MAX_TEXT)

    def clean_case_code(self):
        return _clean_text(self.cleaned_data.get("case_code"), required=True, max_length=20).upper()

    def clean_reason(self):
        reason = _clean_text(self.cleaned_data.get("reason"), required=True)
        if len(reason) < 10:
            raise forms.ValidationError(_("Write the reason for emergency access (at least 10 characters)."))
        return reason
