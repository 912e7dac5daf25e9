"""Tiny typed readers for settings that come from the environment.

Each one fails loudly with ImproperlyConfigured on a value it cannot read, so a typo in a
deployment shows up at start-up rather than as odd behaviour later.
"""

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {raw!r}")


def envint(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An integer, within [minimum, maximum] when those are given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


class Rate(NamedTuple):
    """One rate-limit rule: at most `limit` actions per `window` seconds per `scope`."""

    scope: str
    limit: int
    window: int


RATES_OFF = frozenset({"off", "0", "false", "no", ""})
RATE_WINDOW_MAX = 30 * 24 * 3600
"""The longest window a rule may have, in seconds (a typo guard: 30 days)."""


@lru_cache(maxsize=32)
def rates_parse(name: str, raw: str, scopes: tuple[str, ...]) -> tuple[Rate, ...]:
    """Rules such as `ip=20/60,commenter=10/60` (`off` for none), or ImproperlyConfigured
    naming `name`: every rule is `<scope>=<limit>/<window seconds>` with a scope of `scopes`,
    a limit of at least 1, a window from 1 s to RATE_WINDOW_MAX, and no scope twice with the
    same window."""
    text = raw.strip().lower()
    if text in RATES_OFF:
        return ()
    example = ",".join(f"{scope}=20/60" for scope in scopes)
    parsed: list[Rate] = []
    for part in text.split(","):
        scope, _, rate = (piece.strip() for piece in part.partition("="))
        limit, _, window = (piece.strip() for piece in rate.partition("/"))
        if not (limit.isdigit() and window.isdigit()):
            raise ImproperlyConfigured(
                f"{name}: cannot read {part.strip()!r}; use `off` or rules like {example}"
            )
        rule = Rate(scope, int(limit), int(window))
        if rule.scope not in scopes:
            raise ImproperlyConfigured(
                f"{name}: unknown scope {rule.scope!r} in {part.strip()!r}; "
                f"use {' or '.join(scopes)}"
            )
        if rule.limit < 1:
            raise ImproperlyConfigured(
                f"{name}: the limit in {part.strip()!r} must be at least 1 (use `off` for none)"
            )
        if not 1 <= rule.window <= RATE_WINDOW_MAX:
            raise ImproperlyConfigured(
                f"{name}: the window in {part.strip()!r} must be 1 to {RATE_WINDOW_MAX} seconds"
            )
        if any(other.scope == rule.scope and other.window == rule.window for other in parsed):
            raise ImproperlyConfigured(f"{name}: {rule.scope} has two rules for one window")
        parsed.append(rule)
    return tuple(parsed)


def envrates(name: str, default: str, scopes: tuple[str, ...]) -> str:
    """A rate-limit spec (see `rates_parse`), checked now so a bad one stops the start-up."""
    raw = envstr(name, default)
    rates_parse(name, raw, scopes)
    return raw


def envlist(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def envnetworks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of IP addresses and CIDR networks ("10.0.0.0/8, ::1")."""
    values = envlist(name, default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return values


def envsecret(name: str) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker/K8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at an unreadable file: {exc}") from None
    return os.environ.get(name, "")
