"""A fast TOML writer for fixture documents, byte-identical to `tomli_w.dumps`.

Profiling `listen` showed `tomli_w` (a per-character escaper) taking about a third of each
callback's CPU time. This writer covers what fixtures hold (tables, strings, bools, ints, floats,
datetimes and arrays of those) with regex escaping; anything else falls back to tomli-w, which
stays the reference: tests check the two produce the same bytes for arbitrary fixtures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import tomli_w

_ESCAPE = re.compile(r'[\x00-\x08\x0a-\x1f\x7f"\\]')
_COMPACT = {"\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Unsupported(Exception):
    pass


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _COMPACT.get(char) or f"\\u{ord(char):04x}"


_OTHER_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # after \\ " \n \r are done


def _string(value: str) -> str:
    if _ESCAPE.search(value) is None:  # a C-speed scan; most values stop here
        return f'"{value}"'
    # The common escapes by str.replace (C); a Python callback per match (the regex's) cost a
    # call per newline of an XML answer, and str.translate raised a KeyError per other char.
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if _OTHER_CONTROL.search(text) is not None:
        text = _OTHER_CONTROL.sub(_escape, text)
    return f'"{text}"'


_KEYS: dict[str, str] = {}  # key -> as written: header and param names repeat in every fixture
_KEYS_MAX = 4096


def _key(key: str) -> str:
    written = _KEYS.get(key)
    if written is None:
        written = key if _BARE_KEY.fullmatch(key) else _string(key)
        if len(_KEYS) < _KEYS_MAX:
            _KEYS[key] = written
    return written


_SCALARS = (int, float, bool, list, tuple, date, datetime)


def _literal(value: Any, nested: bool = False) -> str:
    kind = type(value)  # the exact types first: no isinstance chain for the usual scalars
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float or kind is datetime:
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, date, datetime)):
        return str(value)
    if isinstance(value, (list, tuple)) and not nested:
        if not value:
            return "[]"
        return "[\n" + ",\n".join("    " + _literal(v, True) for v in value) + ",\n]"
    raise _Unsupported


def _table(table: Mapping[str, Any], name: str, out: list[str]) -> None:
    literals: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    known = _KEYS.get
    for key, value in table.items():
        kind = type(value)
        if kind is str:  # most values: no isinstance chain, no ABC check
            literals.append(f"{known(key) or _key(key)} = {_string(value)}\n")
        elif kind is dict or (kind not in _SCALARS and isinstance(value, Mapping)):
            tables.append((key, value))
        else:
            literals.append(f"{_key(key)} = {_literal(value)}\n")
    yielded = False
    if name and (literals or not tables):
        yielded = True
        out.append(f"[{name}]\n")
    if literals:
        yielded = True
        out.extend(literals)
    for key, sub in tables:
        if yielded:
            out.append("\n")
        yielded = True
        part = _key(key)
        _table(sub, f"{name}.{part}" if name else part, out)


def plain(text: str) -> bool:
    """True when `text` needs no escaping in a basic string (three C-speed scans)."""
    return text.isprintable() and '"' not in text and "\\" not in text


def string(value: str) -> str:
    """A TOML basic string as tomli-w writes it: quoted as is when plain (most callback data),
    through the escaping regex otherwise."""
    return f'"{value}"' if plain(value) else _string(value)


known_key = _KEYS.get  # a key already written once: its written form, without a call


def key(name: str) -> str:
    """A key as tomli-w writes it: bare when it can be, else a quoted string."""
    return _KEYS.get(name) or _key(name)


def value(item: Any) -> str:
    """A scalar, a string or an array of scalars, as tomli-w writes it (Unsupported otherwise)."""
    if type(item) is str:
        return string(item)
    return _literal(item)


Unsupported = _Unsupported


def dumps(data: Mapping[str, Any]) -> str:
    """`tomli_w.dumps(data)`, faster for the shapes fixtures use."""
    out: list[str] = []
    try:
        _table(data, "", out)
    except _Unsupported:
        return tomli_w.dumps(data)
    return "".join(out)
