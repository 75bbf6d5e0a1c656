"""Forms: validation with messages in the user's language; saving happens in services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.analysis.taxonomy import taxonomy

from .models import (
    ActionStep,
    Appointment,
    Case,
    CaseAccess,
    CaseConference,
    ContractVersion,
    Counselee,
    CounselingSession,
    FollowUp,
    HomeVisit,
    Referral,
    Stage,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})


class VersionedForm(forms.Form):
    """Carries the version the user saw, so a concurrent edit is detected, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CounseleeForm(forms.ModelForm):
    class Meta:
        model = Counselee
        fields = ["name", "birth_year", "birth_date", "gender", "affiliation", "contact", "is_minor",
                  "guardian_name", "guardian_contact"]
        widgets = {"name": forms.TextInput, "affiliation": forms.TextInput, "contact": forms.TextInput,
                   "guardian_name": forms.TextInput, "guardian_contact": forms.TextInput, "birth_date": DATE}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Write the counselee's name or initials."))
        if len(name) > 120:
            raise forms.ValidationError(_("A name or initials of at most 120 characters."))
        return name

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not (this_year - 110 <= year <= this_year):
            raise forms.ValidationError(_("Birth year must be between %(a)s and %(b)s.")
                                        % {"a": this_year - 110, "b": this_year})
        return year

    def clean(self):
        data = super().clean()
        birth_date, year = data.get("birth_date"), data.get("birth_year")
        if birth_date and birth_date > timezone.localdate():
            self.add_error("birth_date", _("The birth date is in the future."))
        if birth_date and year and birth_date.year != year:
            self.add_error("birth_year", _("Birth year and birth date do not match."))
        from .services import minor_by_birth

        if not data.get("is_minor") and minor_by_birth(year, birth_date if birth_date and birth_date.year == year
                                                       else None):
            # Under 18 by their birth: a minor whatever the box says, so the guardian rules apply.
            data["is_minor"] = True
            self.derived_minor = True
        if data.get("is_minor") and not (data.get("guardian_name") or "").strip():
            self.add_error("guardian_name", _("A minor needs a parent or guardian on record.")
                           if not getattr(self, "derived_minor", False) else
                           _("By the birth year the counselee is under 18, so a minor: a parent or guardian "
                             "must be on record."))
        return data


class CaseForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = ["area", "came_via", "opened_on", "reported_by", "description", "problem_definition",
                  "conclusions"]
        widgets = {"opened_on": DATE, "reported_by": forms.TextInput, "description": TEXT,
                   "problem_definition": TEXT, "conclusions": TEXT}


class NewCaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["area", "came_via", "opened_on", "reported_by", "description"]
        widgets = {"opened_on": DATE, "reported_by": forms.TextInput, "description": TEXT}

    def clean_opened_on(self):
        day = self.cleaned_data["opened_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A case cannot be opened in the future."))
        return day


class RestrictedNoteForm(VersionedForm):
    restricted_note = forms.CharField(label=_("Restricted note (only you can see it)"), widget=TEXT, required=False)


class StageForm(VersionedForm):
    target = forms.ChoiceField(choices=Stage.choices, label=_("Move to"))
    override_reason = forms.CharField(label=_("Reason to override the guard"), widget=TEXT, required=False,
                                      max_length=2000)


class CloseForm(VersionedForm):
    closure_reason = forms.ChoiceField(choices=[("", "—"), *Case.ClosureReason.choices], required=False,
                                       label=_("Closure reason"))
    override_reason = forms.CharField(label=_("Reason to override the guard"), widget=TEXT, required=False,
                                      max_length=2000)


class ReopenForm(VersionedForm):
    reason = forms.CharField(label=_("Why is the case reopened?"), widget=TEXT, max_length=2000)


class TaskForm(forms.Form):
    task = forms.ChoiceField(choices=[(t, t) for t in taxonomy().tasks])
    done = forms.BooleanField(required=False)


class ContractForm(forms.ModelForm):
    class Meta:
        model = ContractVersion
        fields = ["sessions_planned", "minutes_per_session", "period_start", "period_end", "counselor_tasks",
                  "counselee_tasks", "collaboration", "agreed_on", "change_note"]
        widgets = {"period_start": DATE, "period_end": DATE, "agreed_on": DATE, "counselor_tasks": TEXT,
                   "counselee_tasks": TEXT, "collaboration": TEXT, "change_note": TEXT}

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", _("The period ends before it starts."))
        sessions, minutes = data.get("sessions_planned"), data.get("minutes_per_session")
        if sessions is not None and not 1 <= sessions <= 52:
            self.add_error("sessions_planned", _("Between 1 and 52 sessions."))
        if minutes is not None and not 10 <= minutes <= 240:
            self.add_error("minutes_per_session", _("Between 10 and 240 minutes."))
        return data


class SessionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CounselingSession
        fields = ["date", "start_time", "duration_minutes", "mode", "stage_reached", "notes_awal", "notes_inti",
                  "notes_akhir", "eval_understanding", "eval_comfort", "eval_action"]
        widgets = {"date": DATE, "start_time": TIME, "notes_awal": TEXT, "notes_inti": TEXT, "notes_akhir": TEXT,
                   "eval_understanding": TEXT, "eval_comfort": TEXT, "eval_action": TEXT}

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 240:
            raise forms.ValidationError(_("Between 5 and 240 minutes."))
        return minutes

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A session record cannot be dated in the future; schedule an "
                                          "appointment instead."))
        return day


class ActionStepForm(forms.ModelForm):
    class Meta:
        model = ActionStep
        fields = ["description", "owner", "due_date", "status"]
        widgets = {"description": TEXT, "due_date": DATE}


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["due_date", "done_on", "carried_out", "what_changed", "obstacles", "source", "further_service"]
        widgets = {"due_date": DATE, "done_on": DATE, "what_changed": TEXT, "obstacles": TEXT,
                   "source": forms.TextInput}

    def clean(self):
        data = super().clean()
        if data.get("done_on") and not data.get("carried_out"):
            self.add_error("carried_out", _("Say whether the plan was carried out."))
        return data


APPOINTMENT_MINUTES = (5, 480)  # a short check-in up to a full school day


class AppointmentForm(forms.ModelForm):
    class Meta:
        model = Appointment
        fields = ["starts_at", "duration_minutes", "mode", "status"]
        widgets = {"starts_at": DATETIME}

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not APPOINTMENT_MINUTES[0] <= minutes <= APPOINTMENT_MINUTES[1]:
            raise forms.ValidationError(_("Between 5 and 480 minutes."))
        return minutes


class ReferralForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Referral
        fields = ["letter_number", "date", "receiver_name", "receiver_institution", "receiver_expertise",
                  "external", "reason", "efforts", "counselee_consent", "guardian_consent", "head_permission",
                  "scheduled_on", "status", "receiver_feedback", "evaluation"]
        widgets = {"date": DATE, "scheduled_on": DATE, "reason": TEXT, "efforts": TEXT,
                   "receiver_feedback": TEXT, "evaluation": TEXT, "receiver_name": forms.TextInput,
                   "receiver_institution": forms.TextInput, "receiver_expertise": forms.TextInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the states this referral can move to (draft → sent → accepted/declined → completed).
        current = self.instance.status if self.instance.pk else None
        allowed = Referral.NEXT_STATUS[current] if current else {"draft", "sent"}
        self.fields["status"].choices = [(v, label) for v, label in Referral.Status.choices if v in allowed]


class HomeVisitForm(forms.ModelForm):
    class Meta:
        model = HomeVisit
        fields = ["date", "people_met", "purpose", "findings", "follow_up"]
        widgets = {"date": DATE, "people_met": forms.TextInput, "purpose": TEXT, "findings": TEXT,
                   "follow_up": TEXT}


class ConferenceForm(forms.ModelForm):
    class Meta:
        model = CaseConference
        fields = ["date", "participants", "participants_bound_to_confidentiality", "data_presented", "minutes",
                  "decisions", "follow_up"]
        widgets = {"date": DATE, "participants": TEXT, "data_presented": TEXT, "minutes": TEXT,
                   "decisions": TEXT, "follow_up": TEXT}


class ShareForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    purpose = forms.ChoiceField(choices=[c for c in CaseAccess.Purpose.choices if c[0] != "break_glass"],
                                label=_("Purpose"))
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=180, initial=30)
    can_write = forms.BooleanField(label=_("May also write"), required=False)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.ChoiceField(required=False, choices=[("", _("All statuses")), *Case.Status.choices])
    stage = forms.ChoiceField(required=False, choices=[("", _("All stages")), *Stage.choices])


def _sane_date(value) -> None:
    """Refuse dates a browser's free-typed year can produce (0571, 9999) before they are stored."""
    if value is not None and not 1900 <= value.year <= 2200:
        raise forms.ValidationError(_("Check the year: it must be between 1900 and 2200."))


for _form in (NewCaseForm, CaseForm, ContractForm, SessionForm, ActionStepForm, FollowUpForm, AppointmentForm,
              ReferralForm, HomeVisitForm, ConferenceForm, CounseleeForm):
    for _field in _form.base_fields.values():
        if isinstance(_field, (forms.DateField, forms.DateTimeField)):
            _field.validators.append(_sane_date)
