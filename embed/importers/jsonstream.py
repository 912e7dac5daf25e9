"""Streaming JSON for the Isso and Commento readers: ijson hands over one array item at a
time, so a large export never sits in memory whole."""

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson
from ijson.common import ObjectBuilder

from embed.importers.records import Refused
from embed.importers.source import Source

# A file this small is read again whole to find the line of a syntax error (ijson cannot say).
RESCAN_BYTES = 64 * 1024 * 1024


def items(stream: BinaryIO, prefixes: tuple[str, ...], source: Source) -> Iterator[tuple[str, Any]]:
    """(prefix, value) for each value whose ijson prefix is in `prefixes` ("item" for the
    items of a top-level array, "comments.item" for those of an object's `comments`), and for
    the top-level scalars (prefix = their key). Raises Refused, with the line when it can be
    found, if the file is not well-formed JSON."""
    builder: ObjectBuilder | None = None
    current = ""
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if builder is not None:
                builder.event(event, value)
                if prefix == current and event in ("end_map", "end_array"):
                    yield current, builder.value
                    builder = None
            elif prefix in prefixes:
                if event in ("start_map", "start_array"):
                    builder, current = ObjectBuilder(), prefix
                    builder.event(event, value)
                elif event not in ("end_map", "end_array"):
                    yield prefix, value
            elif "." not in prefix and event in ("string", "number", "boolean", "null"):
                yield prefix, value
    except ijson.JSONError as exc:
        raise Refused(
            f"The file is not well-formed JSON: {exc}.", line=_error_line(source)
        ) from None


def _error_line(source: Source) -> int | None:
    if source.size > RESCAN_BYTES:
        return None
    with source.open() as stream:
        data = stream.read(RESCAN_BYTES + 1)
    try:
        json.loads(data)
    except json.JSONDecodeError as exc:
        return exc.lineno
    except ValueError:
        return None
    return None
