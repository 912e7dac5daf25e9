"""How the admin API knows who calls: a session, or an API token with a scope.

`Authorization: Token <token>` (the scheme DRF's token authentication used, so existing
scripts keep their header). The token is looked up by its digest in the current site's
schema, so another site's token matches nothing. Its scope then limits what the call may do:
read-only tokens may only read, moderate tokens may not touch what only owners may
(settings, team, tokens, webhooks), owner tokens may do what their owner may.
"""

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from core.staff import StaffUser
from embed.models import ApiToken
from embed.moderation.apitokens import api_token_use, scope_covers
from embed.moderation.team import role_of

KEYWORD = "token"


class ApiTokenAuthentication(BaseAuthentication):
    """Sets request.user to the token's maker and request.auth to the ApiToken row."""

    def authenticate(self, request: Request) -> tuple[StaffUser, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as: Token <your API token>.")
        try:
            token = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API token is not valid.") from None
        row = api_token_use(token=token, method=request.method or "", path=request.path)
        if row is None:
            raise exceptions.AuthenticationFailed("The API token is not valid on this site.")
        return row.created_by, row

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class IsSiteStaff(BasePermission):
    message = "Moderators of this site only."

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) is not None


class IsSiteOwner(BasePermission):
    message = "Only the site's owners can do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) == "owner"


class TokenScopeAllows(BasePermission):
    """For a call made with an API token: reads need `read`, writes `moderate`, and views
    only owners may use (IsSiteOwner among their permission classes) need `owner`. Calls
    by session pass."""

    message = "This API token's scope does not allow this call."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if IsSiteOwner in getattr(view, "permission_classes", ()):
            needed = ApiToken.Scope.OWNER
        elif request.method in SAFE_METHODS:
            needed = ApiToken.Scope.READ
        else:
            needed = ApiToken.Scope.MODERATE
        return scope_covers(token.scope, needed)
