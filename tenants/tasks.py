"""Periodic jobs of the platform (public schema)."""

from celery import shared_task

from tenants.domains import claims_check_pending


@shared_task(name="tenants.domain_claims_check", ignore_result=True)
def domain_claims_check() -> int:
    """Re-check pending custom-domain claims (tenants.domains); the number verified."""
    return claims_check_pending()
