"""What text the platform accepts, in one place: characters refused everywhere, what counts
as visible, and what a display name is.

Every text that reaches the platform (query parameters, form fields, JSON strings) is
refused when it holds a character no reader or database means to exchange: NUL (PostgreSQL
cannot store it), the other C0 and C1 control characters except tab, line feed and carriage
return, DEL, and UTF-16 surrogates that JSON escapes can smuggle in alone (UTF-8 cannot encode
them, so the database driver fails on them). `core.inputguard` applies this to every
request; `forbidden_character` is the test, `text_check` and `json_check` apply it to a
parameter or to a parsed JSON body (which may also nest at most `MAX_JSON_DEPTH` deep).

Names (a commenter's author name, a site's name, and any name an import or single sign-on
brings later) are shown to other people as someone's identity, so `display_name_clean` holds
them to more: see its docstring.
"""

import re
import unicodedata
from typing import Any

import orjson
from django.core.exceptions import ValidationError

# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Characters that change the direction of the text around them (Unicode's explicit
# directional formatting characters and marks). In a name they can make the text after it,
# such as "replied", read backwards, or make a name impersonate another.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Invisible characters with no use in a name: zero-width space, word joiner and invisible
# operators, the byte order mark, the soft hyphen, the Mongolian vowel separator and the
# combining grapheme joiner. They are removed, so "A<U+200B>nn" is "Ann". Zero-width joiner
# and non-joiner stay: emoji sequences and several scripts need them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"))
# Characters that render as nothing or as blank space although Unicode files them under
# letters or symbols: Hangul fillers and the blank Braille pattern, favourites for blank
# names and comments.
BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_SPACES = re.compile(r"\s+")
# More combining marks on one character than any script needs: "Zalgo" text that spills
# over the lines around it.
_STACKED_MARKS = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{5,}"
)

NAME_MAX = 64
"""The longest display name, in characters after normalisation."""


def forbidden_character(text: str) -> str | None:
    """The first character of `text` the platform refuses anywhere, as `U+XXXX`, or None."""
    found = _FORBIDDEN.search(text)
    return f"U+{ord(found.group(0)):04X}" if found else None


def forbidden_message(code_point: str) -> str:
    return f"Contains a character that is not allowed ({code_point})."


def is_visible(char: str) -> bool:
    """Whether `char` shows as a mark on the page: a letter, number, punctuation or symbol
    (Unicode categories L*, N*, P*, S*) that is not a blank lookalike. Spaces, format
    characters (zero-width space, joiners, bidi marks), lone combining marks and controls
    do not."""
    return unicodedata.category(char)[0] in "LNPS" and char not in BLANK_LOOKALIKES


def has_visible(text: str) -> bool:
    return any(is_visible(char) for char in text)


def _identifies(char: str) -> bool:
    # A name needs a letter, number or symbol (emoji are symbols); punctuation alone
    # ("...", "-") names nobody.
    return unicodedata.category(char)[0] in "LNS" and char not in BLANK_LOOKALIKES


def display_name_clean(value: object, *, field: str = "name", max_length: int = NAME_MAX) -> str:
    """A display name as the platform stores and shows it, or ValidationError({field: ...}).

    The rules, in order:
    - text only; no character that `forbidden_character` refuses;
    - NFKC normalisation (compatibility forms such as full-width or mathematical letters
      become the plain ones, so "𝐀𝐧𝐧" is "Ann");
    - no bidi controls (`BIDI_CONTROLS`: U+061C, U+200E/F, U+202A-202E, U+2066-2069);
    - invisible characters without a use in names (zero-width space, BOM, soft hyphen, ...)
      are removed; every run of white space (tabs, line breaks, any Unicode space) becomes one
      space, and the ends are trimmed;
    - at least one visible letter, number or symbol (not only spaces, format characters,
      combining marks, punctuation or blank lookalikes such as U+3164);
    - at most four combining marks on one character;
    - at most `max_length` characters after all of the above.

    Returns "" for a value that is empty or only white space (whether a name is required is
    the caller's business); a value of invisible characters only is refused.
    """
    if not isinstance(value, str):
        raise ValidationError({field: "A name is text."})
    bad = forbidden_character(value)
    if bad:
        raise ValidationError({field: forbidden_message(bad)})
    name = unicodedata.normalize("NFKC", value)
    bidi = next((char for char in name if char in BIDI_CONTROLS), None)
    if bidi is not None:
        raise ValidationError(
            {
                field: "Names cannot contain characters that change the direction of the "
                f"text around them (U+{ord(bidi):04X})."
            }
        )
    if not name.strip():
        return ""
    name = _SPACES.sub(" ", name.translate(_INVISIBLE)).strip()
    if not any(_identifies(char) for char in name):
        raise ValidationError({field: "A name needs at least one visible letter or number."})
    if _STACKED_MARKS.search(name):
        raise ValidationError({field: "Too many accents stacked on one letter."})
    if len(name) > max_length:
        raise ValidationError({field: f"Keep the name to {max_length} characters or fewer."})
    return name


MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects a JSON body may have. The API's deepest body
(a list inside an object) has 2; the limit leaves room and keeps parsing iterative-safe."""

PARSED_JSON_ATTRIBUTE = "_palaver_json"
"""Where the input guard leaves a request's parsed and checked JSON body for the parser."""


class InputRefused(Exception):
    """Text the platform does not accept: `field` names where (a parameter, a form field or a
    JSON path such as `ids.3`), `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _name(raw: str) -> str:
    # A field name fit to echo back: refused characters shown as their code points.
    return "".join(
        f"U+{ord(char):04X}" if forbidden_character(char) else char for char in raw[:100]
    )


def text_check(field: str, value: str) -> None:
    """InputRefused if `value` (or the name `field`) holds a refused character."""
    for text in (field, value):
        bad = forbidden_character(text)
        if bad:
            raise InputRefused(_name(field), forbidden_message(bad))


def json_check(data: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """InputRefused if parsed JSON nests deeper than `max_depth` or holds a refused character
    in any string, object key included. Iterative, so any depth is safe to inspect."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            text_check(path or "non_field_errors", value)
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                raise InputRefused(
                    "non_field_errors", f"The JSON is nested deeper than {max_depth} levels."
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                text_check(child, "")  # the object key itself
                stack.append((item, depth + 1, child))


def json_parse(raw: bytes) -> Any:
    """Parse and check a JSON body: ValueError (orjson.JSONDecodeError) if it is not
    well-formed JSON (lone surrogates and invalid UTF-8 included), InputRefused if it is too
    deep or holds a refused character."""
    data = orjson.loads(raw)
    json_check(data)
    return data
