"""One Redis connection per server for every open stream of an events process.

A stream per reader with its own Redis connection would cost the server one connection per
open page. Instead each process (each event loop) holds one subscriber connection per Redis
server it needs, subscribes a thread's channel (core.keys.thread_events) when the first
stream of that thread opens and drops it when the last one closes, and hands each message to
the streams listening on that channel, through a small queue per stream.

Channels are named per thread with the thread's hash tag, so the same code runs on one
Redis server (SUBSCRIBE, PUBLISH) and on a Redis Cluster (REDIS_CLUSTER_URL: sharded pub/sub,
SSUBSCRIBE on the node that owns the channel's slot, which is the only node an SPUBLISH
reaches; a pattern subscription, which sharded pub/sub does not have, is never needed). A
stream whose queue fills up (a stalled reader) is told to resync instead of piling up
messages; if a subscriber connection fails, the streams it served end and the browsers
reconnect (after `retry`), which subscribes again (on a cluster, on the slot's current owner).

The work per event is done once per message, not once per stream: the hub reads the event's
version and writes its Server-Sent Events text (`Message.text`) before offering it to the
streams, which pass it on as it is. Heartbeats come from the hub too (one timer for every
stream, not a timeout per stream), and the streams share one Redis client for their reads.
"""

import asyncio
import json
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from django.conf import settings
from redis.exceptions import RedisError

from core import redis

QUEUE_SIZE = 64
HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Message:
    """What a stream is handed: a thread's event (`channel`, the published JSON `event` with
    its `version`, and `text`, the event as one Server-Sent Event, UTF-8), a heartbeat, or
    the end. The text is bytes so that the response passes it on as it is (a str is encoded
    per stream, and Django looks its charset up each time)."""

    channel: str = ""
    event: dict | None = None
    text: bytes = b""


def change_text(event: dict) -> bytes:
    """`event` as a Server-Sent Event named `change`; its id is the thread's version (a
    reconnecting browser sends it back as Last-Event-ID)."""
    return f"id: {event['version']}\nevent: change\ndata: {json.dumps(event)}\n\n".encode()


PING = Message(text=b": ping\n\n")
CLOSED = Message()  # the subscription is gone: end the stream


@dataclass(eq=False)
class Listener:
    """One open stream: the messages of its channels, in order."""

    channels: tuple[str, ...]
    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, message: Message) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            if message is PING:
                return  # a reader this far behind needs no heartbeat
            # Drop what waits and ask the reader to refetch: the newest state is all it needs.
            while not self.queue.empty():
                self.queue.get_nowait()
            if message.event is None:
                self.queue.put_nowait(message)
                return
            resync = {"type": "resync", "version": message.event["version"]}
            self.queue.put_nowait(Message(message.channel, resync, change_text(resync)))


SUBSCRIBE_SECONDS = 5.0  # how long a stream waits for Redis to confirm its subscription


class Subscriber:
    """One connection to one Redis server (the server, or one cluster node) and the channels
    subscribed on it. Its reader task passes messages to the hub until the connection fails."""

    def __init__(self, hub: "Hub", name: str, client: aioredis.Redis, sharded: bool) -> None:
        self.hub = hub
        self.name = name
        self.client = client
        self.sharded = sharded
        self.pubsub = client.pubsub()
        self.channels: set[str] = set()
        self.confirmed: dict[str, asyncio.Future[None]] = {}
        self.lock = asyncio.Lock()  # orders SUBSCRIBE and UNSUBSCRIBE of one channel
        self.reader: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        return self.reader is None or not self.reader.done()

    async def subscribe(self, channel: str) -> None:
        """Subscribe `channel` unless it is already; return once Redis has confirmed it."""
        async with self.lock:
            if channel not in self.channels:
                self.confirmed[channel] = self.hub.loop.create_future()
                if self.sharded:
                    await self.pubsub.ssubscribe(channel)
                else:
                    await self.pubsub.subscribe(channel)
                self.channels.add(channel)
                if self.reader is None:
                    self.reader = self.hub.loop.create_task(self._read())
            waiting = self.confirmed.get(channel)
        if waiting is not None:
            await asyncio.wait_for(asyncio.shield(waiting), SUBSCRIBE_SECONDS)

    async def unsubscribe(self, channel: str) -> None:
        """Drop `channel` if no stream listens to it any more."""
        async with self.lock:
            if channel in self.hub.listeners or channel not in self.channels:
                return
            self.channels.discard(channel)
            self.confirmed.pop(channel, None)
            try:
                if self.sharded:
                    await self.pubsub.sunsubscribe(channel)
                else:
                    await self.pubsub.unsubscribe(channel)
            except (RedisError, OSError):
                pass  # the reader sees the broken connection too

    async def _read(self) -> None:
        try:
            while True:
                raw = await self.pubsub.get_message(timeout=5.0)
                if raw is None:
                    continue
                kind = raw.get("type")
                channel = raw["channel"].decode() if raw.get("channel") else ""
                if kind in ("subscribe", "ssubscribe"):
                    waiting = self.confirmed.pop(channel, None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(None)
                elif kind in ("message", "smessage"):
                    self.hub.deliver(channel, raw["data"])
        except (RedisError, OSError, ValueError, RuntimeError):
            pass
        finally:
            for waiting in self.confirmed.values():
                if not waiting.done():
                    waiting.set_exception(RedisError("subscription lost"))
            self.hub.lost(self)
            try:
                await self.pubsub.aclose()
                await self.client.aclose()
            except (RedisError, OSError):
                pass


class Hub:
    """The process's subscriber connections, the streams listening through them, and the
    client they read thread versions with."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.listeners: dict[str, set[Listener]] = {}
        self.subscribers: dict[str, Subscriber] = {}
        self.beat: asyncio.Task[None] | None = None
        self.tasks: set[asyncio.Task[None]] = set()  # unsubscribes under way
        self.client = redis.async_client()

    @property
    def streams(self) -> int:
        return len({listener for group in self.listeners.values() for listener in group})

    @property
    def readers(self) -> int:
        """Live subscriber connections (one per Redis server in use)."""
        return sum(1 for one in self.subscribers.values() if one.alive)

    async def _heartbeats(self) -> None:
        # Each stream says something every HEARTBEAT_SECONDS, so proxies keep it open and a
        # reader that went away is noticed; one timer serves them all.
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            for listener in {listener for group in self.listeners.values() for listener in group}:
                listener.offer(PING)

    async def _subscriber(self, channel: str) -> Subscriber:
        """The subscriber of the server that carries `channel`: the one Redis server, or the
        cluster node that owns the channel's slot."""
        if isinstance(self.client, aioredis.RedisCluster):
            await self.client.initialize()
            node = self.client.get_node_from_key(channel)
            if node is None:
                raise RedisError(f"no cluster node serves {channel}")
            name, host, port = node.name, node.host, int(node.port)

            def connect() -> aioredis.Redis:
                return aioredis.Redis(host=host, port=port, socket_connect_timeout=0.5)

        else:
            name = "redis"

            def connect() -> aioredis.Redis:
                return aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)

        subscriber = self.subscribers.get(name)
        if subscriber is None or not subscriber.alive:
            subscriber = Subscriber(self, name, connect(), sharded=redis.is_cluster())
            self.subscribers[name] = subscriber
        return subscriber

    def deliver(self, channel: str, data: bytes) -> None:
        group = self.listeners.get(channel)
        if not group:
            return
        event = json.loads(data)
        message = Message(channel, event, change_text(event))
        for listener in tuple(group):
            listener.offer(message)

    def lost(self, subscriber: Subscriber) -> None:
        """A subscriber connection failed: end the streams of its channels."""
        if self.subscribers.get(subscriber.name) is subscriber:
            del self.subscribers[subscriber.name]
        for channel in subscriber.channels:
            for listener in self.listeners.pop(channel, set()):
                listener.offer(CLOSED)

    async def listen(self, channels: list[str]) -> Listener:
        """A listener for `channels`, subscribed before this returns; `leave` it when the
        stream ends. Raises RedisError, OSError or TimeoutError when Redis cannot be reached."""
        if self.beat is None or self.beat.done():
            self.beat = self.loop.create_task(self._heartbeats())
        listener = Listener(tuple(channels))
        for channel in channels:
            self.listeners.setdefault(channel, set()).add(listener)
        try:
            for channel in channels:
                await (await self._subscriber(channel)).subscribe(channel)
        except BaseException:
            self.leave(listener)
            raise
        return listener

    def leave(self, listener: Listener) -> None:
        for channel in listener.channels:
            group = self.listeners.get(channel)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self.listeners[channel]
                    for subscriber in self.subscribers.values():
                        if channel in subscriber.channels:
                            task = self.loop.create_task(subscriber.unsubscribe(channel))
                            self.tasks.add(task)
                            task.add_done_callback(self.tasks.discard)


_hub: Hub | None = None


def hub() -> Hub:
    """This event loop's hub (a new loop, as in tests, gets a new one)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub()
    return _hub
