"""Streaming XML for the Disqus and WordPress readers: lxml's iterparse with the network,
DTDs and entity expansion off, each finished element cleared so memory stays flat."""

import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from embed.importers.records import Refused


def localname(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def elements(stream: BinaryIO, names: tuple[str, ...], depth: int) -> Iterator[etree._Element]:
    """The elements called `names` (any namespace) found `depth` levels below the root, each
    whole, in file order. Once the caller moves on, the element and everything before it is
    dropped. A file that is not well-formed raises Refused naming the line of the fault."""
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=[f"{{*}}{name}" for name in names],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _, element in parser:
            if _depth(element) != depth:
                continue
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            while element.getprevious() is not None and parent is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        message = re.sub(r", line \d+, column \d+$", "", str(exc.msg or exc))
        raise Refused(f"The file is not well-formed XML: {message}.", line=exc.lineno) from None


def _depth(element: etree._Element) -> int:
    depth = 0
    parent = element.getparent()
    while parent is not None:
        depth += 1
        parent = parent.getparent()
    return depth


_LOCAL_NAMES: dict[object, str | None] = {}  # tag -> local name (None: not an element)


def _local_name(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None  # an entity reference left unexpanded
    name = tag[tag.index("}") + 1 :] if tag[:1] == "{" else tag
    if len(_LOCAL_NAMES) < 10_000:  # exports use a few dozen tags; a hostile file more
        _LOCAL_NAMES[tag] = name
    return name


def children(element: etree._Element) -> dict[str, etree._Element]:
    """The element's children by local name (the first of each name), in one pass."""
    found: dict[str, etree._Element] = {}
    for child in element:
        tag = child.tag
        name = _LOCAL_NAMES[tag] if tag in _LOCAL_NAMES else _local_name(tag)
        if name is not None and name not in found:
            found[name] = child
    return found


def text(found: dict[str, etree._Element], name: str) -> str:
    """The stripped text of child `name` (CDATA included), '' when absent."""
    child = found.get(name)
    return (child.text or "").strip() if child is not None else ""


def attribute(element: etree._Element | None, name: str) -> str:
    if element is None:
        return ""
    return (element.get(name) or "").strip()
