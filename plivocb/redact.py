"""Mask phone numbers, SIP users and caller names in fixtures, consistently across a set.

Numbers are learned from the phone fields (From, To, …) and from anything phone-shaped in free
text, then masked wherever they occur: params, URL paths and queries (`public_url`, `path`,
`query`, `forwarded_to`), form, JSON and multipart bodies, response bodies and header values,
including formatted spellings (`+1 (415) 555-0123`, `+1 415 555 0123`, `415-555-0123`). One
number always gets one mask across a run. Bodies are rewritten so their params still agree
(form bodies re-encoded from the params, JSON re-encoded from its redacted structure), and the
stored signature verdict is kept as history. Credentials headers are replaced by [removed].
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from plivocb.fixture.model import Fixture, Request
from plivocb.fixture.store import load, write_in_place
from plivocb.form import encode_form, parse_body, parse_query

PHONE_FIELDS = (
    "From",
    "To",
    "ForwardedFrom",
    "DialBLegFrom",
    "DialBLegTo",
    "SIP-H-From",
    "SIP-H-To",
    "src",
    "dst",
    "CallerName",
)
NAME_FIELDS = ("CallerName",)
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
REMOVED = "[removed]"
_NUMBER = re.compile(r"\+?\d{5,15}")
_DIGIT_RUN = re.compile(r"(?<!\d)\+?\d{5,15}(?!\d)")
_SIP_USER = re.compile(r"(sips?:)([^@;>\s\"]+)(@)")
_DISPLAY_NAME = re.compile(r"\"([^\"<>]+)\"(\s*<sips?:)")
# Phone-shaped text: digits with spaces, dots, dashes or brackets between, 7-15 digits in all.
_FORMATTED = re.compile(r"(?<![\w+])(\+?\(?\d[\d ().-]{5,22}\d)(?![\w])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_KEEP = {"", "Anonymous", "anonymous", "Unknown", "unknown", "Restricted", "restricted"}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_like(candidate: str) -> bool:
    """A formatted match that is a phone number, not a date, a time, an amount or an ID."""
    digits = _digits(candidate)
    if not 7 <= len(digits) <= 15 or _DATE.search(candidate) or _IPV4.fullmatch(candidate):
        return False
    if candidate.startswith("+") or "(" in candidate:
        return True
    # A bare digit run (a timestamp, an amount, an ID) is masked only when it is a known number.
    return len(digits) >= 10 and len(re.findall(r"[ .-]+", candidate)) >= 2


class Redactor:
    """One mapping for a whole run, so the same number gets the same mask in every file."""

    def __init__(self) -> None:
        self.numbers: dict[str, str] = {}
        self.names: dict[str, str] = {}

    # ------------------------------------------------------------ numbers

    def _key(self, digits: str) -> str:
        """NANP numbers are seen with and without the leading 1: one key for both."""
        if len(digits) == 10 and "1" + digits in self.numbers:
            return "1" + digits
        if len(digits) == 11 and digits.startswith("1") and digits[1:] in self.numbers:
            return digits[1:]
        return digits

    def _mask(self, digits: str) -> str:
        key = self._key(digits)
        if key not in self.numbers:
            serial = str(len(self.numbers) + 1)
            width = max(len(key) - 3, len(serial))
            self.numbers[key] = "555" + serial.zfill(width)
        return self.numbers[key]

    def _number(self, number: str) -> str:
        return ("+" if number.startswith("+") else "") + self._mask(number.lstrip("+"))

    def _sip_user(self, match: re.Match[str]) -> str:
        user = match.group(2)
        if _NUMBER.fullmatch(user):
            return match.group(1) + self._number(user) + match.group(3)
        key = "sip:" + user
        if key not in self.names:
            self.names[key] = f"user{len(self.names) + 1}"
        return match.group(1) + self.names[key] + match.group(3)

    def _display_name(self, match: re.Match[str]) -> str:
        return f'"{self._name(match.group(1))}"{match.group(2)}'

    def learn_text(self, value: str) -> None:
        for m in _FORMATTED.finditer(value):
            if _phone_like(m.group(1)):
                self._mask(_digits(m.group(1)))

    def learn(self, fx: Fixture) -> None:
        """Remember every number of `fx` (phone fields first, then phone-shaped free text)."""
        for key in PHONE_FIELDS:
            for value in fx.params.get(key, []):
                for number in _NUMBER.findall(value):
                    self._number(number)
        for values in fx.params.values():
            for value in values:
                self.learn_text(value)
        self.learn_text(fx.request.body.decode("utf-8", errors="replace"))
        self.learn_text(fx.request.public_url + " " + fx.request.path + " " + fx.request.query)
        if fx.response is not None:
            self.learn_text(fx.response.body + " " + fx.response.forwarded_to)

    def text(self, value: str, free: bool = True) -> str:
        """`value` with SIP users, display names and numbers masked.

        Known numbers are masked as whole digit runs everywhere; with `free`, phone-shaped
        formatted text (`+1 (415) 555-0123`) is masked too, learning new numbers.
        """
        value = _SIP_USER.sub(self._sip_user, value)
        value = _DISPLAY_NAME.sub(self._display_name, value)
        if free:

            def formatted(m: re.Match[str]) -> str:
                found = m.group(1)
                if not _phone_like(found):
                    return found
                return ("+" if found.startswith("+") else "") + self._mask(_digits(found))

            value = _FORMATTED.sub(formatted, value)
        if not self.numbers:
            return value

        def swap(m: re.Match[str]) -> str:
            key = self._key(m.group(0).lstrip("+"))
            if key in self.numbers:
                return ("+" if m.group(0).startswith("+") else "") + self.numbers[key]
            return m.group(0)

        return _DIGIT_RUN.sub(swap, value)

    def _name(self, value: str) -> str:
        if value in _KEEP or _NUMBER.fullmatch(value):
            return self.text(value)
        if value not in self.names:
            self.names[value] = f"Caller {len(self.names) + 1}"
        return self.names[value]

    def _url(self, url: str, query: str | None = None) -> str:
        """A URL with numbers masked in its path (and its query replaced when given)."""
        parts = urlsplit(url)
        new_query = parts.query if query is None else query
        path = self.text(parts.path)
        if query is None:
            new_query = self.text(new_query)
        return urlunsplit(parts._replace(path=path, query=new_query))

    def _json(self, value: Any, key: str = "") -> Any:
        if isinstance(value, str):
            return self._name(value) if key in NAME_FIELDS else self.text(value)
        if isinstance(value, bool) or value is None or isinstance(value, float):
            return value
        if isinstance(value, int):
            masked = self.text(str(value))
            return int(masked) if masked.isdigit() else masked
        if isinstance(value, list):
            return [self._json(v, key) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self._json(v, str(k)) for k, v in value.items()}
        return value

    # ------------------------------------------------------------ fixtures

    def fixture(self, fx: Fixture) -> Fixture:
        """A redacted copy of `fx`, marked as redacted (its recorded verdict is kept as history)."""
        self.learn(fx)
        params = {
            self.text(key): [self._name(v) if key in NAME_FIELDS else self.text(v) for v in values]
            for key, values in fx.params.items()
        }
        req = fx.request
        body = req.body
        content_type = req.header("Content-Type")
        mime = content_type.split(";")[0].strip().lower()
        is_get = req.method.upper() == "GET"
        if body and not is_get and mime in ("application/x-www-form-urlencoded", ""):
            body = encode_form(params).encode("utf-8")
        elif body and mime == "application/json":
            body = self._json_body(body)
            if not is_get:
                params = parse_body(body, content_type) or params
        elif body:
            body = self.text(body.decode("utf-8", errors="surrogateescape")).encode(
                "utf-8", errors="surrogateescape"
            )
        query = req.query
        if query:
            query = encode_form(
                {
                    self.text(k): params[self.text(k)]
                    if is_get and self.text(k) in params
                    else [self.text(v) for v in vs]
                    for k, vs in parse_query(query).items()
                }
            )
        public_url = self._url(req.public_url, query if urlsplit(req.public_url).query else None)
        headers = tuple(self._header(k, v, len(body)) for k, v in req.headers)
        request = Request(req.method, public_url, self.text(req.path), query, headers, body)
        response = fx.response
        if response is not None:
            response = replace(
                response,
                body=self.text(response.body),
                forwarded_to=self._url(response.forwarded_to) if response.forwarded_to else "",
            )
        return fx.with_(params=params, request=request, response=response, redacted=True)

    def _json_body(self, body: bytes) -> bytes:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return self.text(body.decode("utf-8", errors="surrogateescape")).encode(
                "utf-8", errors="surrogateescape"
            )
        try:
            return json.dumps(self._json(data)).encode("utf-8")
        except RecursionError:
            return b"{}"

    def _header(self, name: str, value: str, body_length: int) -> tuple[str, str]:
        lowered = name.lower()
        if lowered in CREDENTIAL_HEADERS:
            return name, REMOVED
        if lowered == "content-length":
            return name, str(body_length)
        return name, self.text(value, free=not lowered.startswith("x-plivo-signature"))


def redact_files(paths: list[Path], force: bool = False) -> tuple[int, int]:
    """Redact fixture files in place, atomically, one mapping for all: (redacted, skipped).

    Every file is read (and its numbers learned) before any is rewritten, so a number gets the
    same mask whichever file it first appears in, and a bad file stops the run before any write.
    """
    redactor = Redactor()
    todo: list[Path] = []
    skipped = 0
    for path in paths:
        fx = load(path)
        if fx.redacted and not force:
            skipped += 1
            continue
        redactor.learn(fx)
        todo.append(path)
    for path in todo:
        write_in_place(redactor.fixture(load(path)), path)
    return len(todo), skipped
