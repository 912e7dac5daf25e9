"""Every key the platform writes to Redis expires or is bounded.

After a workload that touches every writer of Redis keys (reads of known and unknown pages,
by URL and by site key, posts, edits, votes, reports, deletes, moderation, counts, settings,
rate limits, a Redis outage and its catch-up), the test database is scanned: a key without a
TTL fails the test unless it is one of the few documented bounded keys.
"""

import pytest
from django_tenants.utils import schema_context

from core import keys, redis
from embed import cache
from embed.site import site_settings_update
from palaver.celery import app
from tests.conftest import PAGE, Api
from tests.redis_cluster import hot_store_unreachable

pytestmark = pytest.mark.django_db

# Keys allowed to live without a TTL, each bounded by construction (core/keys.py).
BOUNDED = keys.BOUNDED_WITHOUT_TTL


def celery_queue(key: str) -> bool:
    """The Celery queue the writes' tasks wait in, and kombu's record of it: the tests'
    broker is this database (workers empty the queue; production runs the broker on
    RabbitMQ)."""
    queue = app.conf.task_default_queue
    return key == queue or (key.startswith("_kombu.") and key.endswith(f".{queue}"))


def keys_without_ttl() -> dict[str, int]:
    found = {}
    for raw in redis.call("scan_iter", match="*", count=1000):
        key = raw.decode()
        ttl = redis.call("ttl", key)
        if ttl < 0 and key not in BOUNDED and not celery_queue(key):
            found[key] = ttl
    return found


def test_every_key_a_workload_leaves_expires(api, alpha, staff_client, settings):
    # Readers of pages nobody has commented on, by URL and by site key.
    for n in range(20):
        assert api.thread(url=f"https://alpha.example/unknown/{n}").status_code == 200
    assert api.get("/api/v1/thread", {"url": PAGE, "key": "post-1"}).status_code == 200
    assert api.get("/api/v1/thread/events", {"url": PAGE}).status_code == 200
    counted = [f"https://alpha.example/unknown/{n}" for n in range(20)]
    assert api.get("/api/v1/counts", {"url": counted}).status_code == 200
    # Writers.
    comment = api.post_comment("first", key="post-1").json()
    reply = Api(alpha).post_comment("a reply", parent=comment["id"], key="post-1").json()
    api.send("PATCH", f"/api/v1/comments/{comment['id']}", {"body": "first, edited"})
    api.send("POST", f"/api/v1/comments/{reply['id']}/vote", {"value": 1})
    api.send("POST", f"/api/v1/comments/{reply['id']}/flag", {"reason": "spam"})
    Api(alpha).send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": -1})
    owner = staff_client(alpha)
    owner.post(f"/api/v1/admin/comments/{reply['id']}/reject")
    owner.post(f"/api/v1/admin/comments/{reply['id']}/pin")
    with schema_context(alpha.schema_name):
        site_settings_update(max_links=3)
    api.thread()
    api.get("/api/v1/counts", {"url": PAGE})
    api.send("DELETE", f"/api/v1/comments/{comment['id']}")
    # A write Redis misses, then the catch-up when it answers again.
    with hot_store_unreachable(settings):
        api.post_comment("during an outage")
    api.thread()

    assert redis.call("dbsize") > 30  # the workload did write
    assert keys_without_ttl() == {}


def test_version_keys_outlive_the_payloads_cached_under_them(api):
    api.thread(url="https://alpha.example/never-written")
    api.post_comment("written")
    api.thread()
    shards = "palaver:{site_alpha:*}"  # every thread shard of the site (core.keys)
    versions = [k.decode() for k in redis.call("scan_iter", match=f"{shards}:tv:*")]
    payloads = [k.decode() for k in redis.call("scan_iter", match=f"{shards}:tp:*")]
    assert len(versions) == 2 and payloads
    for key in versions:
        assert cache.PAYLOAD_TTL_SECONDS < redis.call("ttl", key) <= cache.VERSION_TTL_SECONDS
    for key in payloads:
        assert 0 < redis.call("ttl", key) <= cache.PAYLOAD_TTL_SECONDS


def test_the_counts_hash_stays_within_its_bound(api, monkeypatch):
    monkeypatch.setattr(cache, "COUNTS_MAX_FIELDS", 50)
    for batch in range(4):
        urls = [f"https://alpha.example/index/{batch}/{n}" for n in range(20)]
        assert api.get("/api/v1/counts", {"url": urls}).status_code == 200
        assert (redis.call("hlen", keys.counts("site_alpha")) or 0) <= 50
    # What was dropped is counted again from the database.
    api.post_comment("hello", url="https://alpha.example/index/0/0")
    counts = api.get("/api/v1/counts", {"url": "https://alpha.example/index/0/0"}).json()
    assert counts == {"https://alpha.example/index/0/0": 1}
