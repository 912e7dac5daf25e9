"""Signing readers in with a provider the site's owner configured (`OidcProvider`): any
OpenID Connect issuer, or the GitHub and Google presets. The protocol is Authlib's
(`authlib.integrations.django_client`): the authorization code flow with `state`, an OIDC
`nonce` and PKCE (S256), the ID token's signature checked against the issuer's published keys
and its `iss`, `aud`, `exp`, `iat` and `nonce` claims checked (OpenID Connect Core 1.0,
3.1.3.7). Nothing of the protocol is written here; this module picks the endpoints, keeps
the flow's state in the reader's session on the site's host, and turns what the provider
says into an `SsoUser`.

- OpenID Connect: the endpoints and keys come from discovery,
  `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0); scope
  `openid email profile`; the reader is the ID token's claims (`sub`, `name`, `email` when
  `email_verified`, `picture`, `profile`).
- Google: the same, with the issuer `https://accounts.google.com`.
- GitHub (OAuth 2 without OpenID Connect): its authorize and token endpoints, scope
  `read:user user:email`, the reader from `GET https://api.github.com/user` and, for the
  e-mail address, the primary verified one of `/user/emails`.

The subject of the reader's `ReaderIdentity` is `"<issuer> <sub>"`, so two providers' ids
never meet. The server calls the provider (discovery, keys, token, user info): those calls
go only to public addresses unless the operator allows private ones (`OIDC_ALLOW_PRIVATE`,
for an issuer inside their own network, and the tests' provider on loopback).
"""

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoIntegration, OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App
from django.conf import settings
from django.http import HttpRequest

from embed.models import OidcProvider
from embed.sso import SsoRefused, SsoUser, claims_user

TIMEOUT_SECONDS = 10
SCOPE = "openid email profile"
GITHUB_ISSUER = "https://github.com"
GOOGLE_ISSUER = "https://accounts.google.com"
GITHUB = {
    "authorize_url": "https://github.com/login/oauth/authorize",
    "access_token_url": "https://github.com/login/oauth/access_token",
    "api_base_url": "https://api.github.com/",
}


class OidcRefused(Exception):
    """The sign-in did not happen; `code` says why (shown to the reader and sent to the
    widget): `denied` (the reader said no at the provider), `bad_state` (no sign-in of
    this browser is waiting for this answer: replayed, expired, or started elsewhere),
    `provider_error` (the provider answered with an error or not at all), `bad_identity`
    (what the provider says of the reader is unusable), `private_address` (the provider's
    address is not public and the operator has not allowed that)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Flow:
    """What a sign-in carries from its start to its callback, beside Authlib's own state:
    the page origin the token goes to, and the browser's guest (commenter id) if any."""

    origin: str
    guest: int | None


def provider_issuer(provider: OidcProvider) -> str:
    """The issuer whose users `provider` signs in (the preset's for GitHub and Google)."""
    if provider.kind == OidcProvider.Kind.GITHUB:
        return GITHUB_ISSUER
    if provider.kind == OidcProvider.Kind.GOOGLE:
        return GOOGLE_ISSUER
    return provider.issuer.rstrip("/")


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def address_check(url: str) -> None:
    """Raise OidcRefused unless `url` is http(s) and its host resolves to public addresses
    only (or the operator allows private ones: OIDC_ALLOW_PRIVATE)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OidcRefused("provider_error", "The provider gave an address that is not a URL.")
    if settings.OIDC_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OidcRefused("provider_error", f"{parts.hostname} cannot be found.") from None
    if not all(_public(str(info[4][0])) for info in infos):
        raise OidcRefused(
            "private_address", f"{parts.hostname} is not a public address; it is not called."
        )


def _client(provider: OidcProvider) -> DjangoOAuth2App:
    """Authlib's client for `provider`, named after it so that the flow's state in the
    session belongs to this provider alone."""
    registry = OAuth()
    common: dict[str, Any] = {
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
    }
    kwargs: dict[str, Any] = {"code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS}
    if provider.kind == OidcProvider.Kind.GITHUB:
        registry.register(
            f"oidc{provider.pk}", **common, **GITHUB,
            client_kwargs={**kwargs, "scope": "read:user user:email"},
        )  # fmt: skip
    else:
        issuer = provider_issuer(provider)
        address_check(issuer)
        registry.register(
            f"oidc{provider.pk}", **common,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={**kwargs, "scope": SCOPE},
        )  # fmt: skip
    client = registry.create_client(f"oidc{provider.pk}")
    assert isinstance(client, DjangoOAuth2App)  # noqa: S101 - what register() made
    return client


def _metadata_checked(client: DjangoOAuth2App, provider: OidcProvider) -> None:
    """Load the issuer's discovery document and vet the endpoints it names."""
    if provider.kind == OidcProvider.Kind.GITHUB:
        return
    metadata = client.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != provider_issuer(provider):
        raise OidcRefused(
            "provider_error", "The provider's discovery document names another issuer."
        )
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(name), str):
            raise OidcRefused("provider_error", f"The provider's discovery lacks {name}.")
        address_check(metadata[name])


def _calling(what: str) -> OidcRefused:
    return OidcRefused("provider_error", f"The provider could not be reached ({what}).")


def sign_in_start(
    request: HttpRequest, *, provider: OidcProvider, redirect_uri: str, flow: Flow
) -> str:
    """The provider's authorization URL to send the reader to. The state, nonce and PKCE
    verifier Authlib makes, and `flow`, wait in the session for the callback (an hour at
    most). Raises OidcRefused (provider_error, private_address)."""
    try:
        client = _client(provider)
        _metadata_checked(client, provider)
        made = client.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError, AuthlibBaseError):
        raise _calling("discovery") from None
    client.save_authorize_data(
        request, redirect_uri=redirect_uri, origin=flow.origin, guest=flow.guest, **made
    )
    return str(made["url"])


def flow_waiting(request: HttpRequest, *, provider: OidcProvider) -> Flow:
    """The sign-in of this browser that the callback's `state` answers; OidcRefused
    (bad_state) when none waits for it (the state was used, has expired, or is another
    provider's or another browser's)."""
    state = request.GET.get("state", "")
    data = DjangoIntegration(f"oidc{provider.pk}").get_state_data(request.session, state)
    if not state or not isinstance(data, dict) or not isinstance(data.get("origin"), str):
        raise OidcRefused(
            "bad_state", "This sign-in has expired or was started elsewhere. Please try again."
        )
    guest = data.get("guest")
    return Flow(origin=data["origin"], guest=guest if isinstance(guest, int) else None)


def sign_in_finish(request: HttpRequest, *, provider: OidcProvider) -> SsoUser:
    """The reader the provider's answer (the callback's query) signs in: the code traded for
    tokens, the ID token checked (OIDC) or the user read from GitHub's API. Call after
    `flow_waiting`. Raises OidcRefused (denied, bad_state, provider_error, bad_identity)."""
    error = request.GET.get("error")
    if error:
        state = request.GET.get("state")
        DjangoIntegration(f"oidc{provider.pk}").clear_state_data(request.session, state)
        if error == "access_denied":
            raise OidcRefused("denied", "The sign-in was cancelled at the provider.")
        raise OidcRefused("provider_error", f"The provider refused the sign-in ({error[:60]}).")
    try:
        client = _client(provider)
        _metadata_checked(client, provider)
        token = client.authorize_access_token(request)
    except OidcRefused:
        raise
    except AuthlibBaseError as exc:
        if getattr(exc, "error", "") == "mismatching_state":
            raise OidcRefused("bad_state", "This sign-in was already used or expired.") from None
        raise OidcRefused("provider_error", "The provider did not confirm the sign-in.") from None
    except (requests.RequestException, ValueError):
        raise _calling("token") from None
    try:
        if provider.kind == OidcProvider.Kind.GITHUB:
            return _github_user(client, token)
        claims = token.get("userinfo")
        if not claims:
            raise OidcRefused("provider_error", "The provider sent no ID token.")
        return _oidc_user(provider, dict(claims))
    except SsoRefused as refused:
        raise OidcRefused("bad_identity", refused.message) from None
    except (requests.RequestException, ValueError):
        raise _calling("user") from None


def _picture(value: object) -> str | None:
    """A picture URL we may show, or None (a bad one is dropped, not a reason to refuse)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 1000:
        return value
    return None


def _oidc_user(provider: OidcProvider, claims: dict[str, Any]) -> SsoUser:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise OidcRefused("bad_identity", "The provider's `sub` is not usable.")
    email = claims.get("email") if claims.get("email_verified") is True else None
    name = claims.get("name") or claims.get("preferred_username") or claims.get("nickname")
    if not name and isinstance(email, str):
        name = email.split("@", 1)[0]
    return claims_user(
        subject=f"{provider_issuer(provider)} {sub}",
        name=name,
        email=email,
        avatar=_picture(claims.get("picture")),
        url=_picture(claims.get("profile")),
    )


def _github_user(client: DjangoOAuth2App, token: dict[str, Any]) -> SsoUser:
    for url in ("user", "user/emails"):
        address_check(f"{GITHUB['api_base_url']}{url}")
    user = client.get("user", token=token).json()
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise OidcRefused("bad_identity", "GitHub did not say who the reader is.")
    email = None
    emails = client.get("user/emails", token=token)
    if emails.ok and isinstance(emails.json(), list):
        for entry in emails.json():
            if isinstance(entry, dict) and entry.get("primary") and entry.get("verified"):
                email = entry.get("email")
    return claims_user(
        subject=f"{GITHUB_ISSUER} {user['id']}",
        name=user.get("name") or user.get("login"),
        email=email,
        avatar=_picture(user.get("avatar_url")),
        url=_picture(user.get("html_url")),
    )
