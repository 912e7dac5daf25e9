"""Erasing a reader against other connections, committing for real (see
tests/test_write_races.py): a double click erases once, and nobody reading between the
erasure and its COMMIT keeps the erased comment in the cache."""

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from embed.models import Commenter, Thread
from embed.privacy import CONFIRMATION, reader_erase
from tenants.models import Tenant
from tests.conftest import PAGE, Api, committed
from tests.test_write_races import in_threads, start_threads, wait_for_lock_waiters

pytestmark = committed


@pytest.fixture
def alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


def test_two_erasures_at_once_erase_once(alpha):
    reader = Api(alpha)
    Api(alpha).post_comment("Someone else's", author_name="Bob")
    reader.post_comment("Double-clicked away")
    erase = lambda: reader.send("POST", "/api/v1/me/erase", {"confirm": "erase"}).status_code  # noqa: E731
    with schema_context(alpha.schema_name), transaction.atomic():
        Commenter.objects.select_for_update().get(name="Ann")  # both erasures queue here
        finish = start_threads(erase, erase)
        wait_for_lock_waiters(2)
    assert sorted(finish()) == [200, 404]
    with schema_context(alpha.schema_name):
        assert Thread.objects.get(url=PAGE).comment_count == 1
    assert reader.thread().json()["thread"]["comment_count"] == 1


def test_a_reader_before_the_commit_cannot_keep_an_erased_comment(alpha):
    writer, other = Api(alpha), Api(alpha)
    writer.post_comment("Forget me")
    assert [c["html"] for c in other.thread().json()["comments"]] == ["<p>Forget me</p>"]
    with schema_context(alpha.schema_name), transaction.atomic():
        reader_erase(commenter=Commenter.objects.get(name="Ann"), actor=None, confirm=CONFIRMATION)
        before = in_threads(lambda: other.thread().json())[0]
        assert [c["html"] for c in before["comments"]] == ["<p>Forget me</p>"]
    after = other.thread().json()
    assert after["comments"] == [] and after["thread"]["comment_count"] == 0
