"""Live updates over Server-Sent Events."""

import asyncio
import json
import time
from typing import Any

import pytest
from django.conf import settings

from embed import cache
from tests.conftest import PAGE, host_of
from tests.redis_cluster import Subscription

pytestmark = pytest.mark.django_db


def test_under_wsgi_the_stream_answers_at_once_with_the_version(api):
    api.post_comment("first")
    response = api.get("/api/v1/thread/events", {"url": PAGE})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    body = response.content.decode()
    assert body.startswith("retry: 10000\nid: ")
    assert "\nevent: hello\ndata: " in body
    version = json.loads(body.split("data: ", 1)[1].split("\n", 1)[0])["version"]
    assert version == cache.thread_version(cache.thread_ident(url=PAGE, key=None)) != "0"


def test_without_a_proxy_the_hello_names_the_events_process(api, alpha, settings):
    """Not a redirect: Chromium sends `Origin: null` after a cross-origin redirect, which the
    site's CORS check refuses, so the widget is told where to go and connects there itself."""
    settings.EVENTS_PORT = 8002
    response = api.get("/api/v1/thread/events", {"url": PAGE})
    assert response.status_code == 200
    body = response.content.decode()
    hello = json.loads(body.split("data: ", 1)[1].split("\n", 1)[0])
    events = f"http://{host_of(alpha)}:8002/api/v1/thread/events?url="
    assert hello["stream"].startswith(events)
    assert body.startswith("retry: 10000\n")


def test_a_bad_url_is_a_400(api):
    response = api.get("/api/v1/thread/events", {"url": "nope"})
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


async def open_stream(
    host: str, query: str, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[asyncio.Queue, asyncio.Event, asyncio.Task]:
    """Call the real ASGI application the way uvicorn does, keeping the stream open."""
    from palaver.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/thread/events",
        "raw_path": b"/api/v1/thread/events",
        "query_string": query.encode(),
        "headers": [(b"host", host.encode()), *(headers or [])],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: asyncio.Queue = asyncio.Queue()
    disconnect = asyncio.Event()
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnect.wait()
        return {"type": "http.disconnect"}

    task = asyncio.create_task(application(scope, receive, sent.put))
    return sent, disconnect, task


async def next_body(sent: asyncio.Queue) -> str:
    while True:
        message = await asyncio.wait_for(sent.get(), 5)
        body = message.get("body", b"").decode() if message["type"] == "http.response.body" else ""
        if body and not body.startswith(":"):  # skip heartbeats
            return body


def test_under_asgi_changes_are_pushed_to_the_stream(alpha, beta):
    from django_tenants.utils import schema_context

    async def scenario() -> tuple[str, str, str]:
        sent, disconnect, task = await open_stream(host_of(alpha), f"url={PAGE}")
        start = await asyncio.wait_for(sent.get(), 5)
        hello = await next_body(sent)

        def write() -> None:
            # The same page on another site must not reach this stream.
            with schema_context(beta.schema_name):
                cache.thread_changed(url=PAGE, key=None, event={"type": "comment.new", "id": 99})
            with schema_context(alpha.schema_name):
                cache.thread_changed(url=PAGE, key=None, event={"type": "comment.new", "id": 7})

        await asyncio.sleep(0.3)  # let the stream subscribe
        await asyncio.to_thread(write)
        change = await next_body(sent)
        disconnect.set()
        await asyncio.wait_for(task, 5)
        headers = {name.lower(): value for name, value in start["headers"]}
        content_type = headers.get(b"content-type", b"").decode()
        return content_type, hello, change

    content_type, hello, change = asyncio.run(scenario())
    assert content_type == "text/event-stream"
    assert "event: hello" in hello
    assert hello.startswith("retry: 3000")
    assert change.startswith("id: ") and "\nevent: change\n" in change
    assert '"id": 7' in change
    assert '"type": "comment.new"' in change


def test_held_comments_send_no_event(api, alpha):
    from django_tenants.utils import schema_context

    from embed.site import site_settings_update

    with schema_context(alpha.schema_name):
        site_settings_update(moderation_mode="pre")
        ident = cache.thread_ident(url=PAGE, key=None)
        channel, version = cache.events_channel(ident), cache.thread_version(ident)
    pubsub = Subscription(channel)
    try:
        assert api.post_comment("held").status_code == 202
        assert next_message(pubsub, 0.5) is None
        with schema_context(alpha.schema_name):
            # The held comment still moved the version: its author sees it on reload.
            assert cache.thread_version(ident) != version
            site_settings_update(moderation_mode="post")
        assert api.post_comment("published").status_code == 201
        message = next_message(pubsub, 2)
        assert message is not None and json.loads(message["data"])["type"] == "comment.new"
    finally:
        pubsub.close()


def next_message(pubsub: Any, timeout: float) -> dict | None:
    """The next message published on the subscribed channels, or None after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.05)
        if message is not None:
            return message
    return None


def test_one_subscription_fans_out_to_every_stream(alpha):
    """Streams on three pages share the process's one Redis subscription; each gets only its
    own page's changes."""
    from django_tenants.utils import schema_context

    from embed.api import live_hub

    pages = [f"https://alpha.example/live/{n}" for n in range(3)]

    async def scenario() -> tuple[list[str], int, int]:
        streams = [await open_stream(host_of(alpha), f"url={page}") for page in pages]
        for sent, _, _ in streams:
            await next_body(sent)  # hello
        await asyncio.sleep(0.3)
        hub = live_hub.hub()
        subscribers = hub.streams

        def write() -> None:
            with schema_context(alpha.schema_name):
                for n, page in enumerate(pages):
                    cache.thread_changed(url=page, key=None, event={"type": "comment.new", "id": n})

        await asyncio.to_thread(write)
        changes = [await next_body(sent) for sent, _, _ in streams]
        readers = hub.readers
        for _, disconnect, task in streams:
            disconnect.set()
            await asyncio.wait_for(task, 5)
        return changes, subscribers, readers

    changes, subscribers, readers = asyncio.run(scenario())
    # One subscriber connection per Redis server: the one server, or each cluster node that
    # owns one of the channels.
    assert subscribers == 3
    assert readers == 1 or (settings.REDIS_CLUSTER_URL and 1 <= readers <= 3)
    for n, change in enumerate(changes):
        assert f'"id": {n}' in change


def test_a_reconnecting_browser_that_missed_a_change_is_told_to_refetch(alpha, api):
    api.post_comment("first")
    with_version = api.get("/api/v1/thread/events", {"url": PAGE}).content.decode()
    seen = json.loads(with_version.split("data: ", 1)[1].split("\n", 1)[0])["version"]

    async def scenario(last: str) -> list[str]:
        headers = [(b"last-event-id", last.encode())]
        sent, disconnect, task = await open_stream(host_of(alpha), f"url={PAGE}", headers)
        bodies = [await next_body(sent)]
        try:
            bodies.append(await asyncio.wait_for(next_body(sent), 1))
        except TimeoutError:
            pass
        disconnect.set()
        await asyncio.wait_for(task, 5)
        return bodies

    # Up to date: the hello only.
    (hello,) = asyncio.run(scenario(seen))
    assert f"id: {seen}" in hello
    # A change happened while it was away: a resync at once.
    api.post_comment("second, while the reader was away")
    hello, resync = asyncio.run(scenario(seen))
    assert '"type": "resync"' in resync


def test_every_change_readers_can_see_reaches_the_stream(api, alpha, staff_client):
    """A moderator's removal and approval, an author's edit and a pin each publish their
    event (after COMMIT); a comment held for moderation publishes nothing until approved."""
    from django_tenants.utils import schema_context

    from embed.site import site_settings_update

    with schema_context(alpha.schema_name):
        channel = cache.events_channel(cache.thread_ident(url=PAGE, key=None))
    moderator = staff_client(alpha)
    pubsub = Subscription(channel)

    def published() -> tuple[str, int] | None:
        message = next_message(pubsub, 2)
        if message is None:
            return None
        event = json.loads(message["data"])
        return event["type"], event["id"]

    def moderate(comment_id: int, action: str) -> None:
        path = f"/api/v1/admin/comments/{comment_id}/{action}"
        assert moderator.post(path).status_code == 200

    try:
        first = api.post_comment("first").json()["id"]
        assert published() == ("comment.new", first)
        edited = api.send("PATCH", f"/api/v1/comments/{first}", {"body": "first, mended"})
        assert edited.status_code == 200
        assert published() == ("comment.edited", first)
        moderate(first, "pin")
        assert published() == ("comment.pinned", first)
        moderate(first, "delete")
        assert published() == ("comment.removed", first)
        moderate(first, "restore")
        assert published() == ("comment.new", first)

        with schema_context(alpha.schema_name):
            site_settings_update(moderation_mode="pre")
        held = api.post_comment("held for a moderator")
        assert held.status_code == 202
        assert next_message(pubsub, 0.5) is None
        moderate(held.json()["id"], "approve")
        assert published() == ("comment.new", held.json()["id"])
    finally:
        pubsub.close()
