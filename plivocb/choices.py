"""The closed sets of values that command options take, as Enums, each defined once.

Typer shows an Enum's values in `--help` and rejects anything else with a message that names the
option and the allowed values, so the CLI needs no hand-written checks for them. Each member is a
`str` (StrEnum): the engine keeps taking plain strings and a member compares equal to its value.
The engine's own tables of these values come from here too (callbacks.KINDS, fields.DIRECTION,
plivoxml.MODES, the simulator's message types and statuses, scenarios.SCENARIOS).

Pure and light (every command imports it at start-up): standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

# Every kind plivocb.callbacks.classify gives a callback (`other`: none of Plivo's).
CALLBACK_KINDS = (
    "answer",
    "ring",
    "machine_detection",
    "hangup",
    "digits",
    "input_partial",
    "recording",
    "transcription",
    "dial",
    "dial_callback",
    "conference",
    "mpc",
    "stream_status",
    "message",
    "message_status",
    "other",
)


def _enum(name: str, values: Iterable[str]) -> type[StrEnum]:
    return StrEnum(name, [(value, value) for value in values])  # type: ignore[return-value]


class Direction(StrEnum):
    """A call's Direction parameter."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Tunnel(StrEnum):
    """`listen --tunnel`: how Plivo reaches this machine."""

    NGROK = "ngrok"
    NONE = "none"  # a public URL you provide (--public-url), or local tests


class Timing(StrEnum):
    """`replay --timing`: back to back, or with the recorded gaps."""

    FAST = "fast"
    RECORDED = "recorded"


class MessageType(StrEnum):
    """A message's Type (Plivo's message URL parameter)."""

    SMS = "sms"
    MMS = "mms"
    WHATSAPP = "whatsapp"


class MessageOutcome(StrEnum):
    """`fixtures new --status`: the final delivery status of a generated message."""

    DELIVERED = "delivered"
    SENT = "sent"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"


class ReplyFate(StrEnum):
    """`simulate message --status`: what becomes of each <Message> reply the app sends."""

    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"


class Machine(StrEnum):
    """Who answered an outbound call, as machine detection reports it."""

    HUMAN = "human"
    MACHINE = "machine"


class HttpMethod(StrEnum):
    """The methods Plivo requests URLs with."""

    GET = "GET"
    POST = "POST"


class XmlDocument(StrEnum):
    """`xml check --for`: which reply the document is (plivoxml's check modes)."""

    ANSWER = "answer"  # a voice document: answer, action and redirect URLs
    MESSAGE = "message"  # a message URL's reply: only <Message>


STREAM = "stream"  # a <Stream> WebSocket session fixture (its own format, next to the callbacks)

if TYPE_CHECKING:  # the functional API is opaque to mypy: give it the shape it will have

    class Kind(StrEnum): ...

    class NewKind(StrEnum): ...

else:
    # a fixture's kind: every callback kind, and stream
    Kind = _enum("Kind", (*CALLBACK_KINDS, STREAM))
    # what `fixtures new` generates: every callback kind but the catch-all `other`, the whole
    # flows `call` and `conversation`, and a stream session (plivocb.scenarios.SCENARIOS + stream)
    NewKind = _enum(
        "NewKind", (*(k for k in CALLBACK_KINDS if k != "other"), "call", "conversation", STREAM)
    )
