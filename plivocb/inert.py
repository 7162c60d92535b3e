"""Make untrusted text (callback data, fixture contents, peer replies) inert on a terminal (pure).

Anything a callback, a fixture file or a peer sends may hold rich markup (`[/]`, `[link=…]`) or
terminal control sequences (`\\x1b]0;title\\x07`, C1 `\\x9b`, bidi overrides). `visible` rewrites
every control character as a visible escape (`\\x1b`, `\\u202e`), so nothing reaches the terminal
raw; `markup` additionally escapes rich markup for strings rich will interpret. Every print of
such data goes through one of them. Only `markup` imports rich (lazily).
"""

from __future__ import annotations

import re

# C0 (except tab/newline, handled apart), DEL, C1, lone surrogates (undecodable bytes kept by
# surrogateescape cannot be printed), bidi embeddings/overrides/isolates, line/paragraph
# separators, zero-width and BOM characters that hide or reorder text.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
    "\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_LINE_BREAKS = re.compile("[\t\n]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, multiline: bool = False) -> str:
    """`text` with every control character shown as an escape; tabs/newlines kept if multiline."""
    text = _CONTROL.sub(_escape_char, text)
    if not multiline:
        text = _LINE_BREAKS.sub(_escape_char, text)
    return text


def markup(text: str, multiline: bool = False) -> str:
    """`visible(text)` made safe to embed in a rich markup string."""
    from rich.markup import escape

    return escape(visible(text, multiline))


def json_safe(dumped: str) -> str:
    """A `json.dumps(..., ensure_ascii=False)` string with DEL, C1 and bidi controls as \\u escapes.

    JSON already escapes C0; the others are legal raw in JSON but act on a terminal.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)
