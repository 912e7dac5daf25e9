"""One Redis subscription per events process, fanned out to every open stream.

A stream per reader with its own Redis connection and SUBSCRIBE would cost the server one
connection per open page. Instead each process (each event loop) holds one pattern
subscription to every thread channel of its Redis database (`palaver:*:ev<db>:*`, see
core.keys.thread_events) and hands each message to the streams listening on that channel,
through a small queue per stream. A stream whose queue fills up (a stalled reader) is told to
resync instead of piling up messages; if the subscription fails, every stream ends and the
browsers reconnect (after `retry`), which starts a new subscription.
"""

import asyncio
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from django.conf import settings
from redis.exceptions import RedisError

from core import keys, redis

QUEUE_SIZE = 64
RESYNC = b'{"type": "resync"}'
CLOSED = b""  # the subscription is gone: end the stream


@dataclass(eq=False)
class Listener:
    """One open stream: the messages of its channels, in order, as (channel, data)."""

    channels: tuple[str, ...]
    queue: asyncio.Queue[tuple[str, bytes]] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )

    def offer(self, channel: str, data: bytes) -> None:
        try:
            self.queue.put_nowait((channel, data))
        except asyncio.QueueFull:
            # Drop what waits and ask the reader to refetch: the newest state is all it needs.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait((channel, RESYNC))


class Hub:
    """The process's one subscription and the streams listening through it."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.listeners: dict[str, set[Listener]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    @property
    def streams(self) -> int:
        return len({listener for group in self.listeners.values() for listener in group})

    async def start(self) -> None:
        if self.reader is None or self.reader.done():
            self.ready.clear()
            self.reader = self.loop.create_task(self._read())
        await asyncio.wait_for(self.ready.wait(), 5)

    async def _read(self) -> None:
        client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(f"{keys.PREFIX}:*:ev{redis.database()}:*")
            self.ready.set()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if message is None or message.get("type") != "pmessage":
                    continue
                channel = message["channel"].decode()
                for listener in tuple(self.listeners.get(channel, ())):
                    listener.offer(channel, message["data"])
        except (RedisError, OSError):
            pass
        finally:
            self.ready.set()  # a stream waiting for the start sees the end instead
            for group in self.listeners.values():
                for listener in group:
                    listener.offer("", CLOSED)
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
            listener.offer("", CLOSED)
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
