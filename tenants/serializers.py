"""The signup API's response; the OpenAPI schema on the platform host is generated from it."""

from rest_framework import serializers


class SiteCreatedSerializer(serializers.Serializer):
    """The new site: its slug, its host, the snippet to paste into pages, the dashboard."""

    # The instance: tenants.services.SiteProvisioned.
    slug = serializers.CharField(source="tenant.slug")
    domain = serializers.CharField()
    embed_snippet = serializers.CharField()
    dashboard_url = serializers.URLField()
