"""Mask phone numbers, SIP users and caller names in fixtures, consistently across a set."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from plivocb.fixture import Fixture, Request, load, write_in_place
from plivocb.form import encode_form, parse_query

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
)
NAME_FIELDS = ("CallerName",)
_NUMBER = re.compile(r"\+?\d{5,15}")
_SIP_USER = re.compile(r"(sips?:)([^@;>\s]+)(@)")
_KEEP = {"", "Anonymous", "anonymous", "Unknown", "unknown", "Restricted", "restricted"}


class Redactor:
    """One mapping for a whole run, so the same number gets the same mask in every file."""

    def __init__(self) -> None:
        self.numbers: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def _number(self, number: str) -> str:
        digits = number.lstrip("+")
        if digits not in self.numbers:
            serial = str(len(self.numbers) + 1)
            width = max(len(digits) - 3, len(serial))
            self.numbers[digits] = "555" + serial.zfill(width)
        return ("+" if number.startswith("+") else "") + self.numbers[digits]

    def _sip_user(self, match: re.Match[str]) -> str:
        user = match.group(2)
        if _NUMBER.fullmatch(user):
            return match.group(1) + self._number(user) + match.group(3)
        key = "sip:" + user
        if key not in self.names:
            self.names[key] = f"user{len(self.names) + 1}"
        return match.group(1) + self.names[key] + match.group(3)

    def learn(self, fx: Fixture) -> None:
        for key in PHONE_FIELDS:
            for value in fx.params.get(key, []):
                for number in _NUMBER.findall(value):
                    self._number(number)

    def text(self, value: str) -> str:
        """Replace every known number (as a whole digit run) and every SIP user in `value`."""
        value = _SIP_USER.sub(self._sip_user, value)
        if not self.numbers:
            return value

        def swap(m: re.Match[str]) -> str:
            digits = m.group(0).lstrip("+")
            if digits in self.numbers:
                return ("+" if m.group(0).startswith("+") else "") + self.numbers[digits]
            return m.group(0)

        return re.sub(r"(?<!\d)\+?\d{5,15}(?!\d)", swap, value)

    def _name(self, value: str) -> str:
        if value in _KEEP or _NUMBER.fullmatch(value):
            return self.text(value)
        if value not in self.names:
            self.names[value] = f"Caller {len(self.names) + 1}"
        return self.names[value]

    def fixture(self, fx: Fixture) -> Fixture:
        """A redacted copy of `fx`, marked as redacted (its recorded verdict is kept as history)."""
        self.learn(fx)
        params = {
            key: [self._name(v) if key in NAME_FIELDS else self.text(v) for v in values]
            for key, values in fx.params.items()
        }
        req = fx.request
        body = req.body
        content_type = req.header("Content-Type").split(";")[0].strip().lower()
        if (
            body
            and req.method.upper() != "GET"
            and content_type
            in (
                "application/x-www-form-urlencoded",
                "",
            )
        ):
            body = encode_form(params).encode("utf-8")
        elif body:
            body = self.text(body.decode("utf-8", errors="surrogateescape")).encode(
                "utf-8", errors="surrogateescape"
            )
        query = req.query
        if query:
            is_get = req.method.upper() == "GET"
            query = encode_form(
                {
                    k: params[k] if is_get and k in params else [self.text(v) for v in vs]
                    for k, vs in parse_query(query).items()
                }
            )
        parts = urlsplit(req.public_url)
        public_url = urlunsplit(parts._replace(query=query)) if parts.query else req.public_url
        headers = tuple(
            (k, str(len(body)) if k.lower() == "content-length" else self.text(v))
            for k, v in req.headers
        )
        request = Request(req.method, public_url, req.path, query, headers, body)
        response = fx.response
        if response is not None:
            response = replace(response, body=self.text(response.body))
        return fx.with_(params=params, request=request, response=response, redacted=True)


def redact_files(paths: list[Path], force: bool = False) -> tuple[int, int]:
    """Redact fixture files in place, atomically, one mapping for all: (redacted, skipped)."""
    redactor = Redactor()
    done = skipped = 0
    for path in paths:
        fx = load(path)
        if fx.redacted and not force:
            skipped += 1
            continue
        write_in_place(redactor.fixture(fx), path)
        done += 1
    return done, skipped
