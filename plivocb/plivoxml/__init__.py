"""Plivo XML validation (pure, stdlib only): the element tables, a line-aware parser, the checker.

What it owns: `schema` (elements, children, attributes, from the SDK and the docs), `tree` (a
line-numbered, DOCTYPE-refusing expat parser), `check` (problems as data). It imports nothing
from the rest of plivocb; replay, listen and `plivocb xml check` all call `check()`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from plivocb.choices import XmlDocument
from plivocb.plivoxml.check import (
    ERROR,
    MAX_XML_BYTES,
    MODES,
    WARNING,
    XML_CONTENT_TYPES,
    XmlProblem,
    check,
)

ANSWER = XmlDocument.ANSWER.value  # the default mode: a voice document

__all__ = [
    "ERROR",
    "MAX_XML_BYTES",
    "MODES",
    "WARNING",
    "XML_CONTENT_TYPES",
    "XmlProblem",
    "check",
    "errors",
    "parse",
    "problems",
]


def parse(body: str | bytes) -> ET.Element:
    """Parse XML into an ElementTree element or raise ValueError with the parser's message."""
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None


def errors(body: str | bytes, content_type: str | None = None, mode: str = ANSWER) -> list[str]:
    """The errors only (what makes Plivo reject the document), as printable lines."""
    return [str(p) for p in check(body, content_type, mode) if p.severity == ERROR]


def problems(body: str | bytes, content_type: str | None = None, mode: str = ANSWER) -> list[str]:
    """Errors and warnings, as printable lines (empty when the document is clean)."""
    return [str(p) for p in check(body, content_type, mode)]
