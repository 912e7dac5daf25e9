"""Optional second opinion from Akismet, when the site has configured a key.

The key is the site owner's input, so it is not trusted: it is stored only when it has the
form of an Akismet key (12 lower-case letters and digits), and it travels in the POST body
to one fixed endpoint, never in the URL. (It used to be the first label of the host name,
so a "key" such as `evil.example/#` chose the host the server connected to.) Akismet is
asked before the caller opens its database transaction, with a short timeout, and a post
never waits on an Akismet that cannot be reached: no verdict counts as "not spam".
API: https://akismet.com/developers/detailed-docs/comment-check/
"""

import http.client
import logging
import re
import urllib.parse
import urllib.request

from django.core.exceptions import ValidationError

from embed.site import SiteConfig

log = logging.getLogger(__name__)
ENDPOINT = "https://rest.akismet.com/1.1/comment-check"
KEY_FORM = re.compile(r"[a-z0-9]{12}")
# A post waits at most this long (seconds) for Akismet.
TIMEOUT_SECONDS = 2.0


def akismet_key_clean(value: object) -> str:
    """The key as stored: trimmed and lower-cased, or "" for none.

    Raises ValidationError({"akismet_key": ...}) for anything that is not 12 letters and
    digits (the form of every Akismet API key).
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({"akismet_key": "The Akismet key must be text."})
    key = value.strip().lower()
    if key and not KEY_FORM.fullmatch(key):
        raise ValidationError(
            {"akismet_key": "An Akismet API key is 12 letters and digits, e.g. 1a2b3c4d5e6f."}
        )
    return key


def _post(url: str, data: dict[str, str]) -> str:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - the fixed https ENDPOINT
    request.add_header("User-Agent", "Palaver/1.0 | Akismet client")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return response.read().decode()


def akismet_is_spam(*, key: str, blog: str, ip: str, name: str, email: str, text: str) -> bool:
    """Akismet's verdict on one comment; False when it cannot be reached or the key is not
    of Akismet's form (a post never waits on it). `blog` is the page's URL, `ip` the
    (anonymised) address the comment came from."""
    if not KEY_FORM.fullmatch(key):
        log.warning("Akismet not asked: the site's key is not of Akismet's form")
        return False
    data = {
        "api_key": key,
        "blog": blog,
        "user_ip": ip or "",
        "comment_type": "comment",
        "comment_author": name,
        "comment_author_email": email,
        "comment_content": text,
    }
    try:
        return _post(ENDPOINT, data).strip() == "true"
    except (OSError, http.client.HTTPException) as exc:
        log.warning("Akismet unreachable: %s", exc)
        return False


def akismet_opinion(
    *, site: SiteConfig, page_url: str, ip: str | None, name: str, email: str, text: str
) -> bool | None:
    """Whether Akismet calls this comment spam, or None when the site does not ask it
    (spam filter off or no key). Makes a network call: call it outside any transaction."""
    if not (site.spam_filter and site.akismet_key):
        return None
    return akismet_is_spam(
        key=site.akismet_key, blog=page_url, ip=ip or "", name=name, email=email, text=text
    )
