"""SSO payloads made the way a site's own server makes them: Python's hmac for Disqus's
`remote_auth_s3`, PyJWT for the HS256 JWT (docs/api.md shows the same in PHP and Node)."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from django_tenants.utils import schema_context

from embed.moderation.configure import sso_secret_rotate
from embed.site import site_settings_update
from tenants.models import Tenant

JANE = {
    "id": "u-42",
    "username": "Jane Reader",
    "email": "jane@readers.example",
    "avatar": "https://cdn.alpha.example/jane.png",
    "url": "https://alpha.example/users/jane",
}


def disqus_payload(secret: str, user: dict[str, Any], timestamp: int | None = None) -> str:
    """`"<base64 JSON> <HMAC-SHA1 hex> <timestamp>"`, as Disqus's own examples build it."""
    message = base64.b64encode(json.dumps(user).encode()).decode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(
        secret.encode(), f"{message} {timestamp}".encode(), hashlib.sha1
    ).hexdigest()
    return f"{message} {signature} {timestamp}"


def jwt_payload(secret: str, *, aud: str | None, **claims: Any) -> str:
    """An HS256 JWT for Jane unless `claims` say otherwise (None drops a claim)."""
    now = int(time.time())
    body = {
        "sub": "u-42", "name": "Jane Reader", "email": "jane@readers.example",
        "picture": "https://cdn.alpha.example/jane.png", "iat": now, "exp": now + 3600,
        "aud": aud, **claims,
    }  # fmt: skip
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm="HS256")


def sso_enable(tenant: Tenant, **settings: Any) -> str:
    """Turn SSO on for `tenant` and give it a secret; returns the secret."""
    with schema_context(tenant.schema_name):
        site_settings_update(sso_enabled=True, **settings)
        return sso_secret_rotate(actor=None)
