"""Checks on the app's reply: expected status, Plivo XML, and comparison with the recording.

Replay runs them on every response, listen on what the app answered a forwarded callback.
Checks on a fixture's own content are `plivocb.fixture_validation` (and `callbacks.field_problems`).
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from plivocb import plivoxml
from plivocb.errors import UsageError

_STATUS = re.compile(r"^([1-5])(?:xx|XX)$|^([1-5]\d\d)$")


class StatusSpecError(UsageError):
    """A status spec that is not one (the CLI names the option it came from)."""


@dataclass(frozen=True)
class StatusSpec:
    """`2xx`, `200`, or a comma-separated mix such as `200,204,3xx`."""

    text: str
    classes: frozenset[int]
    codes: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> StatusSpec:
        classes: set[int] = set()
        codes: set[int] = set()
        for part in (p.strip() for p in text.split(",")):
            match = _STATUS.match(part)
            if not match:
                raise StatusSpecError(f"{part!r} is not a status", "use e.g. 2xx, 200 or 200,204")
            if match.group(1):
                classes.add(int(match.group(1)))
            else:
                codes.add(int(match.group(2)))
        return cls(text, frozenset(classes), frozenset(codes))

    def accepts(self, status: int) -> bool:
        return status in self.codes or status // 100 in self.classes


def check_status(spec: StatusSpec, status: int) -> list[str]:
    return [] if spec.accepts(status) else [f"status {status}, expected {spec.text}"]


def check_xml(body: str, content_type: str, mode: str = "answer") -> list[str]:
    """Plivo XML errors in a reply (warnings do not fail a replay)."""
    return [f"XML: {p}" for p in plivoxml.errors(body, content_type, mode)]


def looks_like_xml(body: str, content_type: str) -> bool:
    """Whether a reply is meant as XML (a message URL may answer plain 200 or XML)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime in plivoxml.XML_CONTENT_TYPES or body.lstrip().startswith("<")


def check_reply(reply: str, body: str, content_type: str) -> list[str]:
    """The XML check a callback's kind calls for: see `callbacks.reply`."""
    if reply == "xml":
        return check_xml(body, content_type)
    if reply == "message" and looks_like_xml(body, content_type):
        return check_xml(body, content_type, "message")
    return []


def _canonical(element: ET.Element, depth: int = 0) -> list[str]:
    pad = "  " * depth
    attrs = " ".join(f'{k}="{v}"' for k, v in sorted(element.attrib.items()))
    text = (element.text or "").strip()
    lines = [f"{pad}<{element.tag}{' ' + attrs if attrs else ''}>{text}"]
    for child in element:
        lines.extend(_canonical(child, depth + 1))
        tail = (child.tail or "").strip()
        if tail:
            lines.append(f"{pad}  {tail}")
    return lines


def _lines(body: str) -> tuple[list[str], bool]:
    """Canonical lines for XML (structure, not formatting), else the raw lines."""
    try:
        return _canonical(plivoxml.parse(body)), True
    except ValueError:
        return body.splitlines(), False


def compare(recorded_status: int, recorded_body: str, status: int, body: str) -> list[str]:
    """Differences between the recorded response and this one, with a readable diff."""
    found: list[str] = []
    if status != recorded_status:
        found.append(f"status {status}, recorded {recorded_status}")
    old, old_xml = _lines(recorded_body)
    new, new_xml = _lines(body)
    if old != new:
        kind = "XML" if old_xml and new_xml else "body"
        diff = difflib.unified_diff(old, new, "recorded", "replayed", lineterm="", n=1)
        found.append(f"{kind} differs from the recording:\n" + "\n".join(list(diff)[:40]))
    return found
