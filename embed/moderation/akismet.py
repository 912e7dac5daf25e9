"""Optional second opinion from Akismet, when the site has configured a key."""

import logging
import urllib.parse
import urllib.request

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 3.0


def _post(url: str, data: dict[str, str]) -> str:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - fixed https URL
    request.add_header("User-Agent", "Palaver/1.0 | Akismet client")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return response.read().decode()


def akismet_is_spam(*, key: str, blog: str, ip: str, name: str, email: str, text: str) -> bool:
    """Akismet's verdict; False when it cannot be reached (a post never waits on it)."""
    url = f"https://{key}.rest.akismet.com/1.1/comment-check"
    data = {
        "blog": blog,
        "user_ip": ip or "",
        "comment_type": "comment",
        "comment_author": name,
        "comment_author_email": email,
        "comment_content": text,
    }
    try:
        return _post(url, data).strip() == "true"
    except OSError as exc:
        log.warning("Akismet unreachable: %s", exc)
        return False
