"""Checks that a response is Plivo XML that Plivo will execute (pure, stdlib only)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

MAX_XML_BYTES = 100 * 1024
XML_CONTENT_TYPES = ("text/xml", "application/xml")
TOP_LEVEL = {
    "Conference",
    "Dial",
    "DTMF",
    "GetDigits",
    "GetInput",
    "Hangup",
    "Message",
    "Play",
    "PreAnswer",
    "Record",
    "Redirect",
    "Speak",
    "Wait",
    "MultiPartyCall",
    "Stream",
}
SSML = {"break", "cont", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
CHILDREN = {
    "GetDigits": {"Speak", "Play", "Wait"},
    "GetInput": {"Speak", "Play", "Wait"},
    "Dial": {"Number", "User"},
    "PreAnswer": {"Speak", "Play", "Wait", "GetDigits", "Redirect", "Message", "DTMF"},
    "Speak": SSML,
}
for _tag in SSML:
    CHILDREN[_tag] = SSML


def parse(body: str | bytes) -> ET.Element:
    """Parse XML or raise ValueError with the parser's message."""
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None


def problems(body: str | bytes, content_type: str | None = None) -> list[str]:
    """Why Plivo would reject this answer/action response (empty when it is fine)."""
    found: list[str] = []
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if content_type is not None:
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime not in XML_CONTENT_TYPES:
            found.append(f"content type is {mime or 'missing'!r}, not text/xml or application/xml")
    if len(raw) > MAX_XML_BYTES:
        found.append(f"body is {len(raw)} bytes, over Plivo's 100 KB limit")
    if not raw.strip():
        return [*found, "empty body (Plivo hangs up with 8011 Invalid Answer XML)"]
    try:
        root = parse(raw)
    except ValueError as exc:
        return [*found, str(exc)]
    if root.tag != "Response":
        return [*found, f"root element is <{root.tag}>, not <Response>"]
    for child in root:
        found.extend(_check(child, TOP_LEVEL, "Response"))
    return found


def _check(element: ET.Element, allowed: set[str], parent: str) -> list[str]:
    if not isinstance(element.tag, str):
        return []
    if element.tag not in allowed:
        hint = " (Twilio verb?)" if element.tag in {"Say", "Gather", "Reject", "Pause"} else ""
        return [f"<{element.tag}> is not a Plivo element allowed in <{parent}>{hint}"]
    found: list[str] = []
    for child in element:
        found.extend(_check(child, CHILDREN.get(element.tag, set()), element.tag))
    return found
