from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Review, Strategy
from .services import MAX_UPLOAD_BYTES


class TranscriptForm(forms.Form):
    file = forms.FileField(label=_("Transcript file (text, DOCX verbatim table, VTT or SRT, WhatsApp chat export .txt or .zip; at most 5 MB)"),
                           required=False)
    text = forms.CharField(label=_("…or paste the transcript"), required=False, strip=False, widget=forms.Textarea(
        attrs={"rows": 6}), max_length=MAX_UPLOAD_BYTES)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if not upload and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste the transcript."))
        if upload and upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", _("The file is larger than 5 MB; split the transcript by session."))
        return data


class LabelForm(forms.Form):
    utterance = forms.IntegerField(min_value=1)
    label = forms.CharField(max_length=40)


class TaskForm(forms.Form):
    task = forms.CharField(max_length=40)


class SubmitReviewForm(forms.Form):
    supervisor = forms.ModelChoiceField(queryset=None, label=_("Supervisor"))
    note = forms.CharField(label=_("Note to the supervisor (optional)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, supervisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        self.fields["supervisor"].label_from_instance = lambda u: u.display_name


class CommentForm(forms.Form):
    utterance = forms.IntegerField(label=_("Utterance no. (empty: the whole session)"), min_value=1,
                                   required=False)
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class RatingForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Strategy.choices:
            self.fields[f"score_{value}"] = forms.TypedChoiceField(
                label=label, required=False, coerce=int, empty_value=None,
                choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)])
            self.fields[f"note_{value}"] = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def ratings(self) -> dict:
        return {v: (self.cleaned_data.get(f"score_{v}"), self.cleaned_data.get(f"note_{v}", ""))
                for v in Strategy.values}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(Review.Status.RETURNED, _("Return to the trainee")),
                                          (Review.Status.SIGNED_OFF, _("Sign off"))], label=_("Decision"))
    minutes = forms.IntegerField(label=_("Supervision time (minutes)"), min_value=0, max_value=600)
    note = forms.CharField(label=_("Note to the trainee"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=4000)
