"""A small XML tree that remembers line numbers, built with expat (stdlib), safely.

ElementTree drops line numbers, and a checker that says "line 7" is worth more than one that
does not. Documents with a DOCTYPE or entity declarations are refused outright: Plivo XML has no
use for them, and refusing them shuts out entity-expansion bombs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat


@dataclass
class Node:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""  # text before the first child
    text_line: int = 0  # line where that text first has a non-space character
    tails: list[tuple[int, str]] = field(default_factory=list)  # (line, text) after each child

    def all_text(self) -> str:
        """Text of this node and its descendants, in document order."""
        parts = [self.text]
        for child, (_, tail) in zip(self.children, self.tails, strict=True):
            parts.append(child.all_text())
            parts.append(tail)
        return "".join(parts)


class XmlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_tree(data: bytes) -> Node:
    """Parse `data` into Nodes, or raise XmlSyntaxError naming the line."""
    parser = expat.ParserCreate()
    stack: list[Node] = []
    root: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, dict(attrs), parser.CurrentLineNumber)
        if stack:
            parent = stack[-1]
            parent.children.append(node)
            parent.tails.append((0, ""))
        else:
            root.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if not stack:
            return
        node = stack[-1]
        here = parser.CurrentLineNumber if data.strip() else 0
        if node.children:
            line, text = node.tails[-1]
            node.tails[-1] = (line or here, text + data)
        else:
            node.text += data
            node.text_line = node.text_line or here

    def refuse_doctype(*_args: object) -> None:
        raise XmlSyntaxError(parser.CurrentLineNumber, "DOCTYPE declarations are not allowed")

    def refuse_entity(*_args: object) -> None:
        raise XmlSyntaxError(parser.CurrentLineNumber, "entity declarations are not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlSyntaxError(
            exc.lineno,
            f"not well-formed XML: {expat.ErrorString(exc.code)}, column {exc.offset + 1}",
        ) from None
    return root[0]
