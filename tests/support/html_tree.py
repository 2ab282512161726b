"""A small element tree from html.parser, for tests that read HTML (the run report, the docs
site's rendered DOM) by structure instead of grepping it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def iter(self, tag: str | None = None, **attrs: str) -> Iterator[Element]:
        """This element and its descendants with `tag` and the given attributes (`class_`
        matches one of the classes)."""
        want = {k.rstrip("_"): v for k, v in attrs.items()}
        if (tag is None or self.tag == tag) and all(
                (v in self.attrs.get(k, "").split()) if k == "class" else self.attrs.get(k) == v
                for k, v in want.items()):
            yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter(tag, **attrs)

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        return next(self.iter(tag, **attrs), None)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def rows(self) -> list[list[str]]:
        """A table's rows as lists of cell texts (header row included)."""
        return [[cell.text.strip() for cell in tr.children
                 if isinstance(cell, Element) and cell.tag in ("td", "th")]
                for tr in self.iter("tr")]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(text: str) -> Element:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root
