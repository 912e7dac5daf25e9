"""Streaming XML for the Disqus and WordPress readers: lxml's iterparse with the network,
DTDs and entity expansion off, each finished element cleared so memory stays flat."""

import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from embed.importers.records import Refused


def localname(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: str) -> str:
    """`{http://disqus.com}post` -> `{http://disqus.com}`; '' when the tag has none."""
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def elements(stream: BinaryIO, names: tuple[str, ...], depth: int) -> Iterator[etree._Element]:
    """The elements called `names` (any namespace) found `depth` levels below the root, each
    whole, in file order. Once the caller moves on, the element and everything before it is
    dropped. A file that is not well-formed raises Refused naming the line of the fault."""
    parser = etree.iterparse(
        stream,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _, element in parser:
            if localname(element.tag) not in names or _depth(element) != depth:
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


def text(element: etree._Element, ns: str, name: str) -> str:
    """The stripped text of the child `name` (CDATA included), '' when absent."""
    return (element.findtext(ns + name) or "").strip()


def attribute(element: etree._Element | None, name: str) -> str:
    if element is None:
        return ""
    return (element.get(name) or "").strip()
