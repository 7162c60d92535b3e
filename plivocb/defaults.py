"""Every command option's default, named once: the option objects (ListenOptions, ReplayOptions,
CallOptions, MessageOptions, scenarios.Spec…) and the Typer options both use these. Choices are
plain strings here (the engine takes strings); the CLI's Enums accept them as defaults.
Pure: standard library and the choices module only."""

from __future__ import annotations

from pathlib import Path

from plivocb.choices import (
    Direction,
    HttpMethod,
    MessageOutcome,
    MessageType,
    ReplyFate,
    Timing,
    Tunnel,
    XmlDocument,
)

PORT_MAX = 65535  # the largest TCP port (port options take 0-65535; 0: a free one)

# listen
PORT = 8080
HOST = "127.0.0.1"
RECORDED_DIR = Path("fixtures") / "recorded"  # where listen writes and replay/inspect read
FORWARD_TIMEOUT = 10.0  # seconds to wait for the developer's app
TUNNEL = Tunnel.NGROK.value
MAX_BODY = 1 << 20  # largest callback body accepted (bytes); larger get 413
INSPECT_PORT = 4040  # the web inspector's port (next free one if taken)
# callbacks the inspector inside `listen` keeps in memory (the newest; all stay on disk, and
# `plivocb inspect DIR` opens up to 100,000): ~0.5 KB each, so a long listen stays flat
LISTEN_INSPECT_CAPACITY = 10_000
MAX_CONNECTIONS = 0  # 0: just below the fd limit

# replay
CONCURRENCY = 4
TIMING = Timing.FAST.value  # callbacks: back to back
STREAM_TIMING = Timing.RECORDED.value  # stream fixtures: at the recorded pace
SPEED = 1.0
REPLAY_TIMEOUT = 10.0  # the whole exchange: connect, send, read and check
MAX_RESPONSE = 1 << 20  # bytes of an app's response read (after decompression)
EXPECT_STATUS = "2xx"  # statuses a reply may have
FIRST_RESPONSE_MS = 3000.0  # streams: the app answers the first caller audio within this
REPLAYED_STREAMS_DIR = Path("replayed-streams")  # outside fixtures/: not replayed next time

# inspect
INSPECT_REPLAY_TIMEOUT = 10.0  # seconds to wait for a replay from the inspector

# fixtures
FIXTURES_DIR = Path("fixtures")  # what ls, validate and redact read
GENERATED_DIR = FIXTURES_DIR / "generated"  # where `fixtures new` writes
COUNT = 1  # calls / messages generated
DIRECTION = Direction.INBOUND.value
MESSAGE_TYPE = MessageType.SMS.value
MESSAGE_OUTCOME = MessageOutcome.DELIVERED.value
TALK_SECONDS = 42  # a generated call's length once answered
HANGUP_CAUSE = 4000  # Plivo's Normal Hangup
TIME_ZONE = "UTC"
STREAM_SECONDS = 2.0  # a generated stream session's caller audio
STREAM_SECONDS_MAX = 600.0
STREAM_CONTENT_TYPE = "audio/x-mulaw;rate=8000"  # a generated stream session's audio
STREAM_DIGITS = "5"  # DTMF pressed in a generated stream session

# simulate
METHOD = HttpMethod.POST.value  # how Plivo requests a URL unless told
MAX_DURATION = 14400.0  # seconds: Plivo's default call time limit (Dial timeLimit, MPC maxDuration)
SIMULATED_STREAMS_DIR = FIXTURES_DIR / "simulated"  # <Stream> sessions and the app's audio
REPLY_FATE = ReplyFate.DELIVERED.value

# xml check
XML_DOCUMENT = XmlDocument.ANSWER.value
