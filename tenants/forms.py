from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

from core.logins import LoginThrottleMixin


class SignupForm(forms.Form):
    name = forms.CharField(max_length=100, label="Site name")
    slug = forms.CharField(
        max_length=40, label="Address", help_text="Lowercase letters, digits and hyphens."
    )
    owner_email = forms.EmailField(label="Your email")
    # A password is kept exactly as typed: no stripping of spaces.
    password = forms.CharField(
        widget=forms.PasswordInput, min_length=8, strip=False, label="Password"
    )
    allowed_origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Sites that will embed comments",
        help_text="One origin per line, e.g. https://blog.example.com",
    )

    def origins(self) -> list[str]:
        raw = self.cleaned_data.get("allowed_origins") or ""
        return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


class AdminLoginForm(LoginThrottleMixin, AdminAuthenticationForm):
    """The platform admin's log-in, throttled like the dashboard's."""
