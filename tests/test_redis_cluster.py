"""The hot store on a real Redis Cluster: three masters from Debian's redis-server.

REDIS_CLUSTER_URL points the thread cache, counts, settings versions, rate limits and live
events at the cluster (tests/redis_cluster.py starts it; skipped, with the reason, where
redis-server is missing), while Django's cache and the Celery broker stay on REDIS_URL. A
cross-slot command or script fails there with CROSSSLOT, so every test below would fail if
the key layout (core.keys) let one through.
"""

import asyncio
import json

import pytest
import redis as redis_lib
from django_tenants.utils import schema_context

from core import keys, ratelimit, redis
from embed import cache
from embed.site import _cache as site_cache
from embed.site import site_config, site_settings_update
from tests.conftest import Api, host_of
from tests.test_events import next_body, open_stream

pytestmark = pytest.mark.django_db


class Monitor:
    """What clients send to every node of the cluster, read with MONITOR: one line per
    command a client sent (commands a script runs inside Redis, marked `lua`, left out)."""

    def __init__(self, cluster) -> None:
        # The marker's own connections, opened before the watch starts (their handshake
        # would show up in it otherwise).
        self.markers = cluster.nodes()
        for marker in self.markers:
            marker.ping()
        self.monitors = [node.monitor() for node in cluster.nodes()]
        for monitor in self.monitors:
            monitor.__enter__()

    def commands(self) -> list[str]:
        """The commands sent since the start, by name, after a marker is seen on each node."""
        sent = []
        for node, monitor in zip(self.markers, self.monitors, strict=True):
            node.echo("palaver-monitor-end")
            while True:
                line = monitor.next_command()
                if line["command"] == "ECHO palaver-monitor-end":
                    break
                if line["client_type"] != "lua":
                    sent.append(line["command"].split(" ", 1)[0].lower())
        return sent

    def __enter__(self) -> "Monitor":
        return self

    def __exit__(self, *exc: object) -> None:
        for monitor in self.monitors:
            monitor.__exit__(None, None, None)


def node_of(key: str) -> str:
    conn = redis.client()
    assert isinstance(conn, redis_lib.RedisCluster)
    return conn.get_node_from_key(key).name


def test_the_hot_read_is_one_command_on_one_node(hot_cluster, api):
    assert api.post_comment("first").status_code == 201
    for _ in range(2):  # the cold read fills the cache; the next one loads the script
        assert api.thread().status_code == 200
    with Monitor(hot_cluster) as monitor:
        response = api.thread()
        assert response.status_code == 200
        assert monitor.commands() == ["evalsha"]
    # Another worker (no copy of its own) gets the payload in that same one command.
    cache.local_forget()
    with Monitor(hot_cluster) as monitor:
        again = api.thread()
        assert monitor.commands() == ["evalsha"]
    assert again.content == response.content


def test_the_threads_of_one_site_spread_over_the_nodes(hot_cluster, api, alpha):
    pages = [f"https://alpha.example/spread/{n}" for n in range(24)]
    for page in pages:
        assert api.thread(url=page).status_code == 200
    with schema_context(alpha.schema_name):
        holders = {
            node_of(keys.thread_version(alpha.schema_name, cache.thread_ident(url=page, key=None)))
            for page in pages
        }
    assert len(holders) == 3
    # Every version key of the site is where its slot says, in one of the site's shards.
    found = [key for node in hot_cluster.nodes() for key in node.scan_iter(match="*:tv:*")]
    assert len(found) == len(pages)


def test_writes_reach_the_next_reader(hot_cluster, api, alpha):
    posted = api.post_comment("first").json()
    assert [c["html"] for c in api.thread().json()["comments"]] == ["<p>first</p>"]
    api.send("PATCH", f"/api/v1/comments/{posted['id']}", {"body": "edited"})
    assert [c["html"] for c in api.thread().json()["comments"]] == ["<p>edited</p>"]
    Api(alpha).post_comment("second")
    assert len(api.thread().json()["comments"]) == 2
    api.send("DELETE", f"/api/v1/comments/{posted['id']}")
    htmls = [c["html"] for c in api.thread().json()["comments"]]
    assert htmls == ["<p>second</p>"] or htmls[0] == ""


def test_a_read_by_key_and_url_sees_writes_to_the_urls_keyless_thread(hot_cluster, api, alpha):
    """The read is cached in the key's shard; the keyless thread's write bumps the key through
    the set of keys read with its URL. Pick a key whose shard is on another node than the
    URL's, so the two really live apart."""
    url = "https://alpha.example/keyed"
    with schema_context(alpha.schema_name):
        url_node = node_of(
            keys.thread_version(alpha.schema_name, cache.thread_ident(url=url, key=None))
        )
        key = next(
            f"post-{n}"
            for n in range(100)
            if node_of(
                keys.thread_version(
                    alpha.schema_name, cache.thread_ident(url=None, key=f"post-{n}")
                )
            )
            != url_node
        )
    assert api.post_comment("keyless", url=url).status_code == 201
    both = {"url": url, "key": key}
    assert len(api.get("/api/v1/thread", both).json()["comments"]) == 1
    assert len(api.get("/api/v1/thread", both).json()["comments"]) == 1  # cached
    # A second comment posted without the key (an old page) lands on the keyless thread.
    assert Api(alpha).post_comment("still keyless", url=url).status_code == 201
    assert len(api.get("/api/v1/thread", both).json()["comments"]) == 2


def test_a_settings_change_reaches_a_process_that_cached_the_old_settings(hot_cluster, api, alpha):
    assert api.thread().json()["site"]["edit_window_minutes"] != 7
    with schema_context(alpha.schema_name):
        stale = site_cache[alpha.schema_name]
        site_settings_update(edit_window_minutes=7)
        site_config()
        # This process still holds the old settings, as another worker would.
        site_cache[alpha.schema_name] = stale
    assert api.thread().json()["site"]["edit_window_minutes"] == 7


def test_a_write_that_missed_the_cluster_makes_the_site_stale_when_it_answers(
    hot_cluster, api, settings
):
    api.post_comment("first")
    assert len(api.thread().json()["comments"]) == 1
    settings.REDIS_CLUSTER_URL = "redis://127.0.0.1:1"
    redis.reset()
    assert api.post_comment("while the cluster was away").status_code == 201
    settings.REDIS_CLUSTER_URL = hot_cluster.url
    redis.reset()
    cache.local_forget()
    assert len(api.thread().json()["comments"]) == 2


def test_counts_are_kept_and_dropped_on_the_cluster(hot_cluster, api):
    pages = [f"https://alpha.example/counted/{n}" for n in range(6)]
    api.post_comment("one", url=pages[0])
    first = api.get("/api/v1/counts", {"url": pages}).json()
    assert first == {page: 1 if page == pages[0] else 0 for page in pages}
    api.post_comment("two", url=pages[0])
    assert api.get("/api/v1/counts", {"url": pages}).json()[pages[0]] == 2


def test_rate_limits_count_on_the_cluster(hot_cluster, api, alpha, settings):
    settings.PALAVER_RATE_LIMITS = "ip=2/60,commenter=10/60"
    assert api.post_comment("one").status_code == 201
    assert api.post_comment("two").status_code == 201
    refused = api.post_comment("three")
    assert refused.status_code == 429
    # Several counters in one MGET and one DEL: they share the site's slot.
    limits = [ratelimit.Rule("account", 3, 60), ratelimit.Rule("ip", 5, 60)]
    subjects = {"account": "a", "ip": "b"}
    with schema_context(alpha.schema_name):
        for _ in range(3):
            ratelimit.rate_limit_count(action="login", subjects=subjects, limits=limits)
        assert ratelimit.rate_limit_peek(action="login", subjects=subjects, limits=limits)
        ratelimit.rate_limit_forget(action="login", subjects=subjects, limits=limits)
        assert ratelimit.rate_limit_peek(action="login", subjects=subjects, limits=limits) is None


def test_live_events_travel_on_sharded_pub_sub(hot_cluster, alpha):
    from embed.api import live_hub

    with schema_context(alpha.schema_name):
        by_node: dict[str, str] = {}
        for n in range(100):
            page = f"https://alpha.example/live/{n}"
            channel = cache.events_channel(cache.thread_ident(url=page, key=None))
            by_node.setdefault(node_of(channel), page)
    pages = list(by_node.values())
    assert len(pages) == 3

    async def scenario() -> tuple[list[str], int]:
        streams = [await open_stream(host_of(alpha), f"url={page}") for page in pages]
        for sent, _, _ in streams:
            await next_body(sent)  # hello: the stream has subscribed

        def write() -> None:
            with schema_context(alpha.schema_name):
                for n, page in enumerate(pages):
                    cache.thread_changed(url=page, key=None, event={"type": "comment.new", "id": n})

        await asyncio.to_thread(write)
        changes = [await next_body(sent) for sent, _, _ in streams]
        readers = live_hub.hub().readers
        for _, disconnect, task in streams:
            disconnect.set()
            await asyncio.wait_for(task, 5)
        return changes, readers

    with Monitor(hot_cluster) as monitor:
        changes, readers = asyncio.run(scenario())
        used = monitor.commands()
    assert readers == 3  # one subscriber connection per node
    for n, change in enumerate(changes):
        assert json.loads(change.split("data: ", 1)[1].split("\n", 1)[0])["id"] == n
    assert used.count("spublish") == 3 and "publish" not in used
    assert used.count("ssubscribe") == 3 and "psubscribe" not in used
