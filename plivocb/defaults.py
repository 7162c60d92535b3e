"""Every command option's default, named once: the option objects and the Typer options both use
these (they used to be repeated in three places each). Pure: standard library only."""

from __future__ import annotations

from pathlib import Path

# listen
PORT = 8080
HOST = "127.0.0.1"
RECORDED_DIR = Path("fixtures") / "recorded"  # where listen writes and replay/inspect read
FORWARD_TIMEOUT = 10.0  # seconds to wait for the developer's app
TUNNEL = "ngrok"
MAX_BODY = 1 << 20  # largest callback body accepted (bytes); larger get 413
INSPECT_PORT = 4040  # the web inspector's port (next free one if taken)
MAX_CONNECTIONS = 0  # 0: just below the fd limit

# replay
CONCURRENCY = 4
TIMING = "fast"
SPEED = 1.0
REPLAY_TIMEOUT = 10.0  # the whole exchange: connect, send, read and check
MAX_RESPONSE = 1 << 20  # bytes of an app's response read (after decompression)

# inspect
INSPECT_REPLAY_TIMEOUT = 10.0  # seconds to wait for a replay from the inspector
