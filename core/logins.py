"""Log-in throttling for the dashboard and the platform admin: failed log-ins are counted per
account and per client address, in Redis, in fixed windows (PALAVER_LOGIN_LIMITS, e.g.
`account=5/900,ip=20/900`: five failures for one account, or twenty from one address, in
fifteen minutes). Past either limit every attempt is refused, before the password is even
checked, until the window ends; the message says how long. A good log-in clears the
account's count (not the address's, or one known account would reset a guesser's count).

Counts are per site (the key carries the schema), hashed, and expire with their window.
With Redis down, log-ins are not throttled, like every other limit (docs/security.md).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from core.clientip import client_ip
from core.ratelimit import (
    rate_limit_count,
    rate_limit_forget,
    rate_limit_peek,
    rules,
    subject_of,
    wait_phrase,
)

ACTION = "login"
DEFAULT_LOGIN_RULES = "account=5/900,ip=20/900"


def _subjects(*, ip: str, account: str) -> dict[str, str]:
    return {"ip": subject_of(ip), "account": subject_of(account.strip().lower())}


def _limits() -> Any:
    return rules("PALAVER_LOGIN_LIMITS", DEFAULT_LOGIN_RULES)


def login_wait(*, ip: str, account: str) -> int | None:
    """Seconds before `account` may try to log in again from `ip`, or None if it may now."""
    return rate_limit_peek(
        action=ACTION, subjects=_subjects(ip=ip, account=account), limits=_limits()
    )


def login_failed(*, ip: str, account: str) -> int | None:
    """Count a failed log-in; the wait (seconds) if that was the last one allowed."""
    subjects = _subjects(ip=ip, account=account)
    return rate_limit_count(action=ACTION, subjects=subjects, limits=_limits(), reached=True)


def login_succeeded(*, ip: str, account: str) -> None:
    """Forget the account's failures after a good log-in."""
    account_only = {"account": _subjects(ip=ip, account=account)["account"]}
    rate_limit_forget(action=ACTION, subjects=account_only, limits=_limits())


def throttled_error(wait: int) -> ValidationError:
    return ValidationError(
        "Too many failed log-ins for this account or from your network. Try again in %(wait)s.",
        code="throttled",
        params={"wait": wait_phrase(wait)},
    )


class LoginThrottleMixin:
    """For Django's AuthenticationForm and its subclasses: refuse while throttled, count
    wrong passwords. `throttle_wait` (seconds) is set when the form refused for that."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]
    throttle_wait: int | None = None

    def clean(self) -> dict[str, Any]:
        account = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else ""
        wait = login_wait(ip=ip, account=account)
        if wait is not None:
            self.throttle_wait = wait
            raise throttled_error(wait)
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                wait = login_failed(ip=ip, account=account)
                if wait is not None:
                    self.throttle_wait = wait
                    raise throttled_error(wait) from None
            raise
        login_succeeded(ip=ip, account=account)
        return cleaned


def throttled_answer(response: HttpResponse) -> HttpResponse:
    """A log-in page refused for throttling answers 429 with Retry-After."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    wait = getattr(form, "throttle_wait", None)
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response
