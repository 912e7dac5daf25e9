"""One home per concern: the settings row, comment lookups, paging, ETags, signup errors."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from core.http import etag_matches
from core.paging import page_of
from embed.models import SiteSettings
from embed.selectors import comment_or_404
from embed.site import site_settings_row
from tenants.models import Tenant
from tenants.services import signup_errors


def test_a_site_has_exactly_one_settings_row(alpha: Tenant, in_schema):
    with in_schema(alpha):
        row = site_settings_row()
        assert row.pk == SiteSettings.SINGLETON_ID
        assert SiteSettings.objects.count() == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            SiteSettings.objects.create()
        assert site_settings_row().pk == row.pk


def test_a_missing_settings_row_is_made_with_the_defaults(alpha: Tenant, in_schema):
    with in_schema(alpha):
        SiteSettings.objects.all().delete()
        row = site_settings_row()
        assert row.pk == SiteSettings.SINGLETON_ID and row.moderation_mode == "post"


def test_comment_or_404_names_the_site(alpha: Tenant, in_schema):
    with in_schema(alpha), pytest.raises(Http404, match="No such comment on this site"):
        comment_or_404(987654)


def test_paging_is_strict_for_apis_and_forgiving_for_pages():
    items = list(range(120))
    assert list(page_of(items, "3", size=50, strict=True).object_list) == items[100:]
    assert page_of(items, None, size=50, strict=True).number == 1
    with pytest.raises(ValidationError):
        page_of(items, "x", size=50, strict=True)
    with pytest.raises(ValidationError):
        page_of(items, "0", size=50, strict=True)
    with pytest.raises(Http404):
        page_of(items, "4", size=50, strict=True)
    assert page_of(items, "x", size=50, strict=False).number == 1
    assert page_of(items, "99", size=50, strict=False).number == 3


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"zzz", "abc"', True),
        ("*", True),
        ('"ab"', False),
        ('"abcd"', False),
        ("", False),
        (None, False),
    ],
)
def test_if_none_match_is_parsed_not_searched(header: str | None, matches: bool):
    assert etag_matches(header, '"abc"') is matches


def test_signup_errors_use_the_forms_field_names():
    error = ValidationError({"owner_password": ["Too short."], "origins": ["Bad."], "slug": ["x"]})
    assert signup_errors(error) == {
        "password": ["Too short."],
        "allowed_origins": ["Bad."],
        "slug": ["x"],
    }
