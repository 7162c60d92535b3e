"""`plivocb simulate message`: an inbound message to the app, and the replies it sends.

The inbound request follows Plivo's message URL parameters (`From`, `To`, `Type`, `Text` or
`Body`/`Media<n>`, `MessageUUID`, `Units`, `TotalRate`, `TotalAmount`, ...; reference §1.10-1.11).
A reply `<Response><Message ...>` is "sent": each `dst` (several are separated by `<`) gets its
own message, and when the element names a `callbackUrl` that URL gets the delivery reports
`queued` -> `sent` -> `delivered` (or the failure asked for, with an `ErrorCode` from Plivo's
SMS error table: 80 "Destination temporarily unavailable" for undelivered, 50 "Invalid
destination number" for failed; reference §1.12). Only `<Message>` may answer a message URL
(https://plivo.com/docs/messaging/xml/request/messages).
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp

from plivocb import plivoxml
from plivocb.generate import Generator
from plivocb.simulate.clock import VirtualClock
from plivocb.simulate.model import Event, Exchange, MessageOptions, Transcript
from plivocb.simulate.transport import MESSAGE_POLICY, Sender

Emit = Callable[[str, str, Exchange | None], None]
STATUS_SEQUENCES = {
    "delivered": ("queued", "sent", "delivered"),
    "undelivered": ("queued", "sent", "undelivered"),
    "failed": ("queued", "failed"),
}
ERROR_CODES = {"undelivered": "80", "failed": "50"}


async def send_reply(
    sender: Sender, gen: Generator, el: ET.Element, outcome: str, emit: Emit
) -> None:
    """Send one `<Message>`: a delivery report sequence per destination with a callbackUrl."""
    text = "".join(el.itertext()).strip()
    src = el.get("src", "")
    kind = el.get("type", "sms")
    callback = el.get("callbackUrl")
    method = (el.get("callbackMethod") or "POST").upper()
    for dst in [d for d in el.get("dst", "").split("<") if d] or [""]:
        emit("message", f"reply {kind} from {src or '?'} to {dst or '?'}: {text}", None)
        if not callback:
            continue
        # message_status() swaps From/To: it builds reports for a reply to `message`.
        reports = gen.message_status(
            {"From": dst, "To": src, "Type": kind}, STATUS_SEQUENCES[outcome]
        )
        for report in reports:
            if report.get("ErrorCode"):
                report["ErrorCode"] = ERROR_CODES.get(outcome, report["ErrorCode"])
            await sender.notify(
                "message_status",
                f"Message callbackUrl ({report['Status']})",
                callback,
                method,
                report,
                policy=MESSAGE_POLICY,
            )


def reply_problems(exchange: Exchange) -> list[str]:
    """Why Plivo would not act on this message URL reply (empty when it is fine)."""
    body = exchange.reply.strip()
    if not body:
        return []
    found = plivoxml.errors(exchange.reply, exchange.content_type or "", "message")
    return [f"invalid Plivo XML: {p}" for p in found]


async def simulate_message(
    opts: MessageOptions, on_event: Callable[[Event], None] | None = None
) -> Transcript:
    """Send one inbound message to `opts.message_url` and deliver the replies it asks for."""
    opts.check()
    start = datetime.now(UTC).replace(tzinfo=None)
    gen = Generator(rng=random.Random(opts.seed), now=start)
    params = gen.message(opts.type, opts.frm, opts.to, opts.text)
    if opts.media:
        for key in [k for k in params if k.startswith("Media")]:
            del params[key]
        params["MediaCount"] = str(len(opts.media))
        # Media1..MediaN, as the current handling-incoming docs say (generate.py cites it)
        params.update({f"Media{i}": url for i, url in enumerate(opts.media, start=1)})
    clock = VirtualClock(start)
    transcript = Transcript(ident=params["MessageUUID"])

    def emit(kind: str, text: str, exchange: Exchange | None = None) -> None:
        event = Event(kind, clock.elapsed, text, exchange)
        transcript.events.append(event)
        if on_event is not None:
            on_event(event)

    async with aiohttp.ClientSession(auto_decompress=True) as session:
        sender = Sender(session, opts.auth_token, clock, transcript, emit, opts.out)
        body = params.get("Text") or params.get("Body", "")
        emit("message", f"inbound {opts.type} from {params['From']} to {params['To']}: {body}")
        exchange = await sender.send(
            "message", "message URL", opts.message_url, opts.method, params, policy=MESSAGE_POLICY
        )
        if exchange.ok:
            exchange.problems.extend(reply_problems(exchange))
        if exchange.ok and exchange.reply.strip():
            for el in plivoxml.parse(exchange.reply):
                if el.tag == "Message":
                    await send_reply(sender, gen, el, opts.status, emit)
    transcript.duration_s = clock.elapsed
    return transcript
