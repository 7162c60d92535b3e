"""Check a response the way Plivo reads it: transport (content type, size), then the document.

`check()` returns every problem as data, with its line; it never raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plivocb.choices import XmlDocument
from plivocb.plivoxml.schema import (
    AUTO_INT,
    BOOL,
    ELEMENTS,
    ENUM,
    ENUM_LIST,
    INT,
    KEYS,
    MESSAGE_TOP_LEVEL,
    METHOD,
    SOUND,
    TEXT,
    TWILIO_VERBS,
    URL,
    VOICE_TOP_LEVEL,
    Attr,
    Element,
)
from plivocb.plivoxml.tree import Node, XmlSyntaxError, parse_tree

MAX_XML_BYTES = 100 * 1024  # Plivo: answer documents at most 100 KB (docs/voice/xml/response)
MAX_PARSE_BYTES = 1 << 20  # we do not parse beyond this: it is far over Plivo's limit anyway
XML_CONTENT_TYPES = ("text/xml", "application/xml")
MODES = tuple(document.value for document in XmlDocument)

ERROR = "error"
WARNING = "warning"

_HTTP = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)
_WS = re.compile(r"^wss?://[^\s/?#]+", re.IGNORECASE)
_KEYS = re.compile(r"^[0-9*#]+$")
_DTMF = re.compile(r"^[0-9*#wW]+$")
_INT = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class XmlProblem:
    line: int  # 0 when the problem is about the whole response (content type, size)
    message: str
    severity: str = ERROR

    @property
    def detail(self) -> str:
        return ("warning: " if self.severity == WARNING else "") + self.message

    def __str__(self) -> str:
        return f"line {self.line}: {self.detail}" if self.line else self.detail


def check(
    body: str | bytes, content_type: str | None = None, mode: str = XmlDocument.ANSWER.value
) -> list[XmlProblem]:
    """Every reason Plivo would reject (errors) or mis-run (warnings) this response.

    `mode` is "answer" for voice documents (answer, action, redirect URLs) and "message" for a
    message URL's reply, where only `<Message>` is allowed
    (https://www.plivo.com/docs/messaging/xml/request/messages).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    found: list[XmlProblem] = []
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if content_type is not None:
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime not in XML_CONTENT_TYPES:
            shown = mime or "missing"
            found.append(
                XmlProblem(0, f"content type is {shown!r}, not text/xml or application/xml")
            )
    if len(raw) > MAX_XML_BYTES:
        found.append(XmlProblem(0, f"body is {len(raw)} bytes, over Plivo's 100 KB limit"))
        if len(raw) > MAX_PARSE_BYTES:
            return found
    if not raw.strip():
        return [*found, XmlProblem(0, "empty body (Plivo hangs up with 8011 Invalid Answer XML)")]
    try:
        root = parse_tree(raw)
    except XmlSyntaxError as exc:
        return [*found, XmlProblem(exc.line, exc.message)]
    if root.tag != "Response":
        return [*found, XmlProblem(root.line, f"root element is <{root.tag}>, not <Response>")]
    if root.attrib:
        names = ", ".join(sorted(root.attrib))
        found.append(XmlProblem(root.line, f"<Response> takes no attributes (has {names})"))
    allowed = MESSAGE_TOP_LEVEL if mode == "message" else VOICE_TOP_LEVEL
    _stray_text(root, found)
    for child in root.children:
        if mode == "message" and child.tag != "Message" and child.tag in ELEMENTS:
            found.append(
                XmlProblem(
                    child.line,
                    f"<{child.tag}> is not allowed in a message URL reply: only <Message> is",
                )
            )
            continue
        _check(child, allowed, "Response", found)
    found.sort(key=lambda p: p.line)
    return found


def _stray_text(node: Node, found: list[XmlProblem]) -> None:
    """Text directly under an element that takes none (e.g. words loose in <Response>)."""
    if node.text.strip():
        line = node.text_line or node.line
        found.append(XmlProblem(line, f"text {_clip(node.text)!r} directly inside <{node.tag}>"))
    for line, tail in node.tails:
        if tail.strip():
            found.append(XmlProblem(line, f"text {_clip(tail)!r} directly inside <{node.tag}>"))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


def _check(node: Node, allowed: frozenset[str], parent: str, found: list[XmlProblem]) -> None:
    spec = ELEMENTS.get(node.tag)
    if node.tag not in allowed:
        if spec is None:
            hint = (
                f" (Twilio verb? Plivo's is {TWILIO_VERBS[node.tag]})"
                if node.tag in TWILIO_VERBS
                else _case_hint(node.tag)
            )
            found.append(XmlProblem(node.line, f"<{node.tag}> is not a Plivo XML element{hint}"))
        else:
            found.append(XmlProblem(node.line, f"<{node.tag}> is not allowed inside <{parent}>"))
        return
    assert spec is not None
    _attributes(node, spec, found)
    _content(node, spec, found)
    for child in node.children:
        _check(child, spec.children, node.tag, found)
    _element_rules(node, found)


def _case_hint(tag: str) -> str:
    for name in ELEMENTS:
        if name.lower() == tag.lower():
            return f" (names are case-sensitive: <{name}>)"
    return ""


def _attributes(node: Node, spec: Element, found: list[XmlProblem]) -> None:
    for name, value in node.attrib.items():
        attr = spec.attrs.get(name)
        if attr is None:
            close = [a for a in spec.attrs if a.lower() == name.lower()]
            hint = f" (attribute names are case-sensitive: {close[0]})" if close else ""
            found.append(
                XmlProblem(
                    node.line,
                    f"<{node.tag}> has no attribute {name!r}{hint}",
                    WARNING if not close else ERROR,
                )
            )
            continue
        message = _value_problem(attr, value)
        if message and attr.kind == URL:
            # Plivo accepts the document and fails the call only when it requests the URL:
            # 7022-7024 "Invalid Action/Transfer/Redirect URL", not 8011 (hangup-causes page).
            found.append(
                XmlProblem(
                    node.line,
                    f"<{node.tag} {name}>: {message}; Plivo fails when it requests it "
                    "(7022-7024 Invalid Action/Transfer/Redirect URL)",
                    WARNING,
                )
            )
        elif message:
            found.append(XmlProblem(node.line, f"<{node.tag} {name}>: {message}"))
    for name, attr in spec.attrs.items():
        if attr.required and name not in node.attrib:
            found.append(XmlProblem(node.line, f"<{node.tag}> needs the {name!r} attribute"))


def _value_problem(attr: Attr, value: str) -> str:
    v = value.strip()
    folded = v.lower() if attr.ignore_case else v
    choices = tuple(c.lower() for c in attr.choices) if attr.ignore_case else attr.choices
    if attr.kind == URL:
        return "" if _HTTP.match(v) else f"{value!r} is not an http(s) URL"
    if attr.kind == METHOD:
        return "" if v.upper() in ("GET", "POST") else f"{value!r} is not GET or POST"
    if attr.kind == BOOL:
        return "" if v.lower() in ("true", "false") else f"{value!r} is not true or false"
    if attr.kind in (INT, AUTO_INT):
        if attr.kind == AUTO_INT and v.lower() == "auto":
            return ""
        if not _INT.match(v):
            return f"{value!r} is not an integer" + (" or auto" if attr.kind == AUTO_INT else "")
        return _range_problem(int(v), attr)
    if attr.kind == ENUM:
        if folded in choices:
            return ""
        return f"{value!r} is not one of: {', '.join(attr.choices)}"
    if attr.kind == ENUM_LIST:
        items = [i for i in re.split(r"[\s,]+", folded) if i]
        bad = [i for i in items if i not in choices]
        if not items or bad:
            return f"{value!r} is not a list of: {', '.join(attr.choices)}"
        return ""
    if attr.kind == SOUND:
        if folded in choices or _HTTP.match(v) or v == "":
            return ""
        return f"{value!r} is not a URL or one of: {', '.join(attr.choices)}"
    if attr.kind == KEYS:
        return (
            ""
            if v.lower() == "none" or _KEYS.match(v)
            else f"{value!r} is not DTMF keys (0-9, *, #)"
        )
    if attr.kind == TEXT and (attr.low is not None or attr.high is not None):
        if attr.low is not None and len(v) < attr.low:
            return f"is shorter than {attr.low} characters"
        if attr.high is not None and len(v) > attr.high:
            return f"is longer than {attr.high} characters"
    return ""


def _range_problem(number: int, attr: Attr) -> str:
    if attr.low is not None and number < attr.low:
        return f"{number} is below the minimum {attr.low}"
    if attr.high is not None and number > attr.high:
        return f"{number} is above the maximum {attr.high}"
    return ""


def _content(node: Node, spec: Element, found: list[XmlProblem]) -> None:
    own = node.text.strip() + "".join(t for _, t in node.tails).strip()
    if spec.text == "none":
        _stray_text(node, found)
        return
    if spec.text == "mixed":
        return
    if spec.text in ("required", "url", "ws") and not own:
        what = {"url": "a URL as its text", "ws": "a ws:// or wss:// URL as its text"}
        need = what.get(spec.text, "text between its tags")
        found.append(XmlProblem(node.line, f"<{node.tag}> is empty: it needs {need}"))
        return
    if spec.text == "url" and not _HTTP.match(own):
        found.append(
            XmlProblem(node.line, f"<{node.tag}> text {_clip(own)!r} is not an http(s) URL")
        )
    if spec.text == "ws" and not _WS.match(own):
        found.append(
            XmlProblem(node.line, f"<{node.tag}> text {_clip(own)!r} is not a ws(s):// URL")
        )


def _element_rules(node: Node, found: list[XmlProblem]) -> None:
    """Rules that span attributes, text and children (Plivo docs, cited)."""
    if node.tag == "Dial" and not any(c.tag in ("Number", "User") for c in node.children):
        # https://www.plivo.com/docs/voice/xml/routing: "at least one Number or User"
        found.append(XmlProblem(node.line, "<Dial> needs at least one <Number> or <User>"))
    elif node.tag == "DTMF":
        digits = node.text.strip()
        if digits and not _DTMF.match(digits):
            found.append(
                XmlProblem(node.line, f"<DTMF> digits {_clip(digits)!r}: only 0-9 * # w W")
            )
    elif node.tag == "User":
        target = node.text.strip()
        if target and not target.lower().startswith("sip:"):
            found.append(XmlProblem(node.line, f"<User> text {_clip(target)!r} is not a sip: URI"))
        if "sipAuthPassword" in node.attrib and "sipAuthUsername" not in node.attrib:
            found.append(XmlProblem(node.line, "<User sipAuthPassword> without sipAuthUsername"))
        if "sipAuthUsername" in node.attrib and "sipAuthPassword" not in node.attrib:
            found.append(XmlProblem(node.line, "<User sipAuthUsername> needs sipAuthPassword"))
    elif node.tag == "Speak":
        voice = node.attrib.get("voice", "WOMAN")
        polly = voice.startswith("Polly.")
        if voice not in ("WOMAN", "MAN") and not (polly and len(voice) > 6):
            found.append(
                XmlProblem(node.line, f"<Speak voice>: {voice!r} is not WOMAN, MAN or Polly.<Name>")
            )
        elif node.children and not polly:
            # https://www.plivo.com/docs/voice/concepts/ssml: SSML needs a Polly voice
            found.append(
                XmlProblem(node.line, "SSML inside <Speak> needs a Polly.<Name> voice", WARNING)
            )
        if not node.all_text().strip():
            found.append(XmlProblem(node.line, "<Speak> is empty: it needs text to speak"))
