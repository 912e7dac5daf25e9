"""The claims the tests' provider gives: name, e-mail (verified), picture and username."""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = OAuth2Validator.oidc_claim_scope

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "name": user.get_full_name() or user.username,
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": True,
            "picture": f"https://pictures.example/{user.username}.png",
        }
