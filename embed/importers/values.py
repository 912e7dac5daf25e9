"""Reading the values exports carry: dates in their several spellings, booleans, numbers."""

from datetime import UTC, datetime

_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


class BadValue(ValueError):
    pass


def parse_date(raw: object) -> datetime:
    """A timezone-aware datetime from an ISO 8601 / RFC 3339 string (`2013-10-10T19:20:29Z`,
    `2017-12-20T15:18:22-06:00`), a `2014-01-14 17:31:03` string (read as UTC) or a Unix
    timestamp in seconds. Raises BadValue otherwise."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return datetime.fromtimestamp(float(raw), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise BadValue(f"{raw!r} is not a date") from None
    if not isinstance(raw, str) or not raw.strip():
        raise BadValue("the date is missing")
    text = raw.strip()
    value = _from_text(text)
    if value is None:
        raise BadValue(f"{text[:40]!r} is not a date")
    if value.year < 1990:
        # WordPress writes 0000-00-00 for "never"; nothing on the web is older than this.
        raise BadValue(f"{text[:40]!r} is not a date")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def parse_bool(raw: str | None) -> bool | None:
    """`true`/`false` (any case, blank as false); None when it is neither."""
    text = (raw or "").strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0", ""):
        return False
    return None


def parse_int(raw: object, default: int = 0) -> int:
    try:
        return int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _from_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    return None
