"""One Redis subscription per events process, fanned out to every open stream.

A stream per reader with its own Redis connection and SUBSCRIBE would cost the server one
connection per open page. Instead each process (each event loop) holds one pattern
subscription to every thread channel of its Redis database (`palaver:*:ev<db>:*`, see
core.keys.thread_events) and hands each message to the streams listening on that channel,
through a small queue per stream. A stream whose queue fills up (a stalled reader) is told to
resync instead of piling up messages; if the subscription fails, every stream ends and the
browsers reconnect (after `retry`), which starts a new subscription.

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

from core import keys, redis

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


class Hub:
    """The process's one subscription, the streams listening through it, and the client
    they read thread versions with."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.listeners: dict[str, set[Listener]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.beat: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)

    @property
    def streams(self) -> int:
        return len({listener for group in self.listeners.values() for listener in group})

    async def start(self) -> None:
        if self.reader is None or self.reader.done():
            self.ready.clear()
            self.reader = self.loop.create_task(self._read())
        if self.beat is None or self.beat.done():
            self.beat = self.loop.create_task(self._heartbeats())
        await asyncio.wait_for(self.ready.wait(), 5)

    async def _heartbeats(self) -> None:
        # Each stream says something every HEARTBEAT_SECONDS, so proxies keep it open and a
        # reader that went away is noticed; one timer serves them all.
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            for listener in {listener for group in self.listeners.values() for listener in group}:
                listener.offer(PING)

    async def _read(self) -> None:
        client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(f"{keys.PREFIX}:*:ev{redis.database()}:*")
            self.ready.set()
            while True:
                raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if raw is None or raw.get("type") != "pmessage":
                    continue
                channel = raw["channel"].decode()
                group = self.listeners.get(channel)
                if not group:
                    continue
                event = json.loads(raw["data"])
                message = Message(channel, event, change_text(event))
                for listener in tuple(group):
                    listener.offer(message)
        except (RedisError, OSError, ValueError):
            pass
        finally:
            self.ready.set()  # a stream waiting for the start sees the end instead
            for group in self.listeners.values():
                for listener in group:
                    listener.offer(CLOSED)
            self.listeners.clear()
            try:
                await pubsub.aclose()
                await client.aclose()
            except (RedisError, OSError):
                pass

    async def listen(self, channels: list[str]) -> Listener:
        """A listener for `channels`; `leave` it when the stream ends."""
        await self.start()
        listener = Listener(tuple(channels))
        if self.reader is None or self.reader.done():
            listener.offer(CLOSED)
        for channel in channels:
            self.listeners.setdefault(channel, set()).add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        for channel in listener.channels:
            group = self.listeners.get(channel)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self.listeners[channel]


_hub: Hub | None = None


def hub() -> Hub:
    """This event loop's hub (a new loop, as in tests, gets a new one)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub()
    return _hub
