"""`plivocb_simulate`: run a simulated call or message from a test, against any served app.

The target is an aiohttp `TestClient`/`TestServer` (anything with `make_url`) or a base URL
string (e.g. a WSGI app served on a thread); paths are joined to it, absolute URLs kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from plivocb.simulate.model import (
    DEFAULT_MAX_DURATION,
    CallerInput,
    CallOptions,
    DialOutcome,
    MessageOptions,
    RecordTake,
    Transcript,
)


def base_url(target: Any) -> str:
    """The base URL of an aiohttp test client/server, or the string given."""
    if isinstance(target, str):
        return target.rstrip("/")
    make_url = getattr(target, "make_url", None)
    if make_url is None:
        raise TypeError(f"cannot find the URL of {target!r}: pass a base URL string")
    return str(make_url("/")).rstrip("/")


def _url(base: str, path: str | None) -> str | None:
    if path is None:
        return None
    if path.startswith(("http://", "https://")):
        return path
    return base + (path if path.startswith("/") else "/" + path)


class Simulator:
    """`await sim.call(target, "/answer", inputs=["1"])` -> Transcript; `.message(...)` too."""

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token

    async def call(
        self,
        target: Any,
        answer: str = "/answer",
        *,
        hangup: str | None = None,
        fallback: str | None = None,
        method: str = "POST",
        inputs: Sequence[str] = (),
        dial: Sequence[str] = (),
        record: Sequence[str | float] = (),
        direction: str = "inbound",
        machine: str | None = None,
        frm: str = "",
        to: str = "",
        max_duration: float = DEFAULT_MAX_DURATION,
        seed: int | None = None,
        out: Path | None = None,
        auth_token: str | None = None,
    ) -> Transcript:
        from plivocb.simulate.call import simulate_call

        base = base_url(target)
        answer_url = _url(base, answer)
        assert answer_url is not None
        opts = CallOptions(
            answer_url=answer_url,
            hangup_url=_url(base, hangup),
            fallback_url=_url(base, fallback),
            method=method.upper(),
            frm=frm,
            to=to,
            direction=direction,
            inputs=[CallerInput.parse(i) for i in inputs],
            dials=[DialOutcome.parse(d) for d in dial],
            records=[RecordTake.parse(str(r)) for r in record],
            machine=machine,
            max_duration=max_duration,
            auth_token=auth_token or self.auth_token,
            out=out,
            seed=seed,
        )
        return await simulate_call(opts)

    async def message(
        self,
        target: Any,
        path: str = "/message",
        *,
        text: str = "",
        type: str = "sms",
        media: Sequence[str] = (),
        status: str = "delivered",
        method: str = "POST",
        frm: str = "",
        to: str = "",
        seed: int | None = None,
        out: Path | None = None,
        auth_token: str | None = None,
    ) -> Transcript:
        from plivocb.simulate.message import simulate_message

        url = _url(base_url(target), path)
        assert url is not None
        opts = MessageOptions(
            message_url=url,
            method=method.upper(),
            frm=frm,
            to=to,
            text=text,
            type=type,
            media=list(media),
            status=status,
            auth_token=auth_token or self.auth_token,
            out=out,
            seed=seed,
        )
        return await simulate_message(opts)
