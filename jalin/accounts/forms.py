"""Account management forms for administrators (no counseling content here)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import Organisation, SupervisorAssignment, User


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "is_trainee", "language"]

    def clean(self):
        data = super().clean()
        if data.get("password"):
            candidate = User(username=data.get("username", ""), first_name=data.get("first_name", ""),
                             last_name=data.get("last_name", ""), email=data.get("email", ""))
            try:
                validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "is_trainee", "language", "is_active"]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "head_title", "require_admin_2fa"]


class AssignmentForm(forms.Form):
    supervisor = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Supervisor"))
    supervisee = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Counselor or trainee"))
    programme = forms.CharField(label=_("Programme"), max_length=200, required=False)

    def __init__(self, organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = User.objects.filter(organisation=organisation, is_active=True)
        self.fields["supervisor"].queryset = members.filter(role=User.Role.SUPERVISOR)
        self.fields["supervisee"].queryset = members.filter(role=User.Role.COUNSELOR)

    def clean(self):
        data = super().clean()
        if data.get("supervisor") and data.get("supervisee") and SupervisorAssignment.objects.filter(
                supervisor=data["supervisor"], supervisee=data["supervisee"], active=True).exists():
            raise forms.ValidationError(_("This supervisor already supervises this person."))
        return data
