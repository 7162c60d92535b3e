"""`plivocb simulate`: play Plivo against a developer's app, following the XML it returns.

Modules (imports point inward; none of them renders anything):

* `model`     options, the transcript and its events, hangup causes (pure)
* `clock`     the virtual clock, deadlines and the documented durations (pure)
* `transport` signing, sending, Plivo's retry/timeout rules, fixture recording (aiohttp)
* `call`      the call engine: answer/fallback URLs, document execution, hangup callback
* `elements`  what each voice XML element does to the call
* `dial`      `<Dial>`: B legs, outcomes from `--dial`, callbackUrl events, the action
* `rooms`     Conference, MultiPartyCall and Stream, as far as they go without other parties
* `stream`    the one entry point for a `<Stream>` WebSocket session
* `message`   inbound messages and `<Message>` replies with their delivery reports
* `output`    timeline renderers (rich, plain, JSON lines) and the JUnit report (CLI side)
* `testing`   `Simulator`, behind the pytest fixture `plivocb_simulate`
"""

from __future__ import annotations

from plivocb.simulate.model import CallOptions, Event, Exchange, MessageOptions, Transcript

__all__ = ["CallOptions", "Event", "Exchange", "MessageOptions", "Transcript"]
