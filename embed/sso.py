"""Single sign-on with a site's own accounts: reading and checking what the site's server
signed for one of its users.

Two formats, signed with the site's SSO secret (`SiteSettings.sso_secret`, and during a
change-over also the previous one, `sso_secret_previous`, until `sso_previous_until`):

- Disqus `remote_auth_s3` (help.disqus.com, "Integrating Single Sign-On"):
  `"<base64 JSON> <HMAC-SHA1 hex> <unix timestamp>"`, the HMAC taken over
  `"<base64 JSON> <timestamp>"` with the secret as key. The JSON carries `id`, `username`,
  `email`, and optionally `avatar` and `url`. A timestamp older than `MAX_AGE_SECONDS` or
  more than `FUTURE_SECONDS` ahead is refused. `{}` is Disqus's "nobody is signed in".
- An HS256 JWT (RFC 7519, checked by PyJWT), as Coral takes it: `sub`, `name`, `email`,
  `picture`, `exp`, `iat`, and `aud` = one of the site's host names.

`sso_verify` answers an `SsoUser` or raises `SsoRefused` with one of the reason codes below;
the widget API answers each as a 401 (core/errors.py). Nothing here touches the database but
`sso_secrets`, which reads the site's settings row.
"""

import base64
import binascii
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

import jwt
import orjson
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone

from core.errors import ErrorCode
from core.text import display_name_clean
from embed.site import site_settings_row

MAX_AGE_SECONDS = 2 * 3600
"""A Disqus-style payload older than this is refused (Disqus's own limit)."""
FUTURE_SECONDS = 5 * 60
"""How far ahead of our clock a payload's time may be: the site's clock may run fast."""
PAYLOAD_MAX = 8192  # characters; a real payload is a few hundred
SUBJECT_MAX = 200
URL_MAX = 1000
SECRET_BYTES = 48  # a new secret: 48 random bytes, 64 characters of URL-safe base64


class SsoRefused(Exception):
    """A payload that does not sign anybody in here; `code` says why (an ErrorCode)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SsoUser:
    """Who the site's server says the reader is. `subject` is its own user id (text)."""

    subject: str
    name: str
    email: str  # "" when not given; lower-cased
    avatar: str  # an http(s) URL, or ""
    url: str  # the user's profile page, or ""


def sso_secrets() -> list[str]:
    """The secrets a payload may be signed with now: the current one, then the previous one
    while its change-over lasts. Empty when the site has no secret."""
    row = site_settings_row()
    secrets = [row.sso_secret] if row.sso_secret else []
    until = row.sso_previous_until
    previous_live = until is not None and until > timezone.now()
    if row.sso_secret_previous and previous_live:
        secrets.append(row.sso_secret_previous)
    return secrets


def sso_verify(payload: str, *, secrets: list[str], audiences: list[str]) -> SsoUser:
    """The user a payload signs in, checked against `secrets` (current first) and, for a JWT,
    `audiences` (the site's host names).

    Raises SsoRefused: SSO_MALFORMED (not one of the two formats, or a field of the wrong
    kind), SSO_BAD_SIGNATURE (no secret of this site signed it: forged, or another site's),
    SSO_EXPIRED, SSO_NOT_YET_VALID (from the future), SSO_WRONG_SITE (a JWT for another
    host), SSO_SIGNED_OUT (Disqus's `{}`: nobody is signed in).
    """
    if not isinstance(payload, str) or not payload.strip() or len(payload) > PAYLOAD_MAX:
        raise SsoRefused(ErrorCode.SSO_MALFORMED, "The payload is empty or too long.")
    if not secrets:
        raise SsoRefused(ErrorCode.SSO_BAD_SIGNATURE, "This site has no SSO secret yet.")
    payload = payload.strip()
    if " " in payload:
        return _disqus(payload, secrets=secrets, now=time.time())
    return _jwt(payload, secrets=secrets, audiences=audiences)


def _disqus(payload: str, *, secrets: list[str], now: float) -> SsoUser:
    parts = payload.split(" ")
    if len(parts) != 3 or not parts[2].isdigit():
        raise SsoRefused(
            ErrorCode.SSO_MALFORMED,
            'A remote_auth_s3 payload is "<base64 JSON> <HMAC-SHA1 hex> <timestamp>".',
        )
    message, signature, stamp = parts
    if not re.fullmatch(r"[0-9a-fA-F]{40}", signature):
        raise SsoRefused(ErrorCode.SSO_MALFORMED, "The signature is not 40 hex digits.")
    signed = f"{message} {stamp}".encode()
    good = any(
        hmac.compare_digest(
            hmac.new(secret.encode(), signed, hashlib.sha1).hexdigest(), signature.lower()
        )
        for secret in secrets
    )
    if not good:
        raise SsoRefused(
            ErrorCode.SSO_BAD_SIGNATURE, "The payload is not signed with this site's SSO secret."
        )
    timestamp = int(stamp)
    if timestamp < now - MAX_AGE_SECONDS:
        raise SsoRefused(ErrorCode.SSO_EXPIRED, "The payload is more than 2 hours old.")
    if timestamp > now + FUTURE_SECONDS:
        raise SsoRefused(
            ErrorCode.SSO_NOT_YET_VALID, "The payload's time is ahead of ours: check the clock."
        )
    try:
        data = orjson.loads(base64.b64decode(message + "=" * (-len(message) % 4), validate=True))
    except (binascii.Error, ValueError):
        raise SsoRefused(ErrorCode.SSO_MALFORMED, "The payload is not base64 JSON.") from None
    if data == {}:
        raise SsoRefused(ErrorCode.SSO_SIGNED_OUT, "The payload says nobody is signed in.")
    if not isinstance(data, dict):
        raise SsoRefused(ErrorCode.SSO_MALFORMED, "The payload's JSON is not an object.")
    return _user(
        subject=data.get("id"),
        name=data.get("username"),
        email=data.get("email"),
        avatar=data.get("avatar"),
        url=data.get("url"),
        names=("id", "username", "email", "avatar", "url"),
    )


def _jwt(token: str, *, secrets: list[str], audiences: list[str]) -> SsoUser:
    """PyJWT checks the signature, then `exp`, `iat` and `nbf` (with FUTURE_SECONDS of leeway
    for a fast clock) and `aud`."""
    if token.count(".") != 2:
        raise SsoRefused(
            ErrorCode.SSO_MALFORMED, "The payload is neither a remote_auth_s3 string nor a JWT."
        )
    claims = None
    for secret in secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=audiences,
                leeway=FUTURE_SECONDS,
                options={"require": ["sub", "exp", "iat", "aud"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise SsoRefused(ErrorCode.SSO_EXPIRED, "The token has expired (exp).") from None
        except jwt.ImmatureSignatureError:
            raise SsoRefused(
                ErrorCode.SSO_NOT_YET_VALID, "The token's iat or nbf is ahead of our clock."
            ) from None
        except jwt.InvalidAudienceError:
            raise SsoRefused(
                ErrorCode.SSO_WRONG_SITE, "The token's aud is not this site's host."
            ) from None
        except jwt.InvalidAlgorithmError:
            raise SsoRefused(ErrorCode.SSO_MALFORMED, "Only HS256 tokens are taken.") from None
        except jwt.PyJWTError as exc:
            raise SsoRefused(ErrorCode.SSO_MALFORMED, f"The token is not valid: {exc}.") from None
    if claims is None:
        raise SsoRefused(
            ErrorCode.SSO_BAD_SIGNATURE, "The token is not signed with this site's SSO secret."
        )
    return _user(
        subject=claims.get("sub"),
        name=claims.get("name"),
        email=claims.get("email"),
        avatar=claims.get("picture"),
        url=None,
        names=("sub", "name", "email", "picture", "url"),
    )


_url_valid = URLValidator(schemes=["http", "https"])
IDENTITY_SUBJECT_MAX = 512  # ReaderIdentity.subject: an OIDC issuer and its `sub`


def claims_user(
    *, subject: str, name: object, email: object, avatar: object, url: object
) -> SsoUser:
    """The user an identity provider's claims name (embed.oidc: OIDC's `sub` prefixed with
    its issuer, `name`, `email`, `picture`, `profile`), checked as an SSO payload's fields
    are. Raises SsoRefused(SSO_MALFORMED) naming the claim that is unusable."""
    return _user(
        subject=subject, name=name, email=email, avatar=avatar, url=url,
        names=("sub", "name", "email", "picture", "profile"),
        subject_max=IDENTITY_SUBJECT_MAX,
    )  # fmt: skip


def _user(
    *,
    subject: object,
    name: object,
    email: object,
    avatar: object,
    url: object,
    names: tuple[str, str, str, str, str],
    subject_max: int = SUBJECT_MAX,
) -> SsoUser:
    """The user from the payload's fields (`names`: what the format calls them)."""

    def refuse(index: int, what: str) -> SsoRefused:
        return SsoRefused(ErrorCode.SSO_MALFORMED, f"`{names[index]}` {what}.")

    if isinstance(subject, int) and not isinstance(subject, bool):
        subject = str(subject)
    if not isinstance(subject, str) or not subject.strip() or len(subject) > subject_max:
        raise refuse(0, f"must be text (or a number) of 1-{subject_max} characters")
    try:
        shown = display_name_clean(name if name is not None else "", field="name")
    except ValidationError:
        raise refuse(1, "is not a name we can show") from None
    if not shown:
        raise refuse(1, "is missing")
    address = ""
    if email not in (None, ""):
        if not isinstance(email, str):
            raise refuse(2, "must be an e-mail address")
        address = email.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            raise refuse(2, "must be an e-mail address") from None
    links = []
    for index, value in ((3, avatar), (4, url)):
        if value in (None, ""):
            links.append("")
            continue
        if not isinstance(value, str) or len(value) > URL_MAX:
            raise refuse(index, f"must be an http(s) URL of at most {URL_MAX} characters")
        try:
            _url_valid(value)
        except ValidationError:
            raise refuse(index, "must be an http(s) URL") from None
        links.append(value)
    avatar_url, profile_url = links
    return SsoUser(
        subject=subject.strip(), name=shown, email=address, avatar=avatar_url, url=profile_url
    )
