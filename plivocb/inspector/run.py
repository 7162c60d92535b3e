"""`plivocb inspect` orchestration: index the fixtures, serve until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass, field

from plivocb import defaults
from plivocb.errors import Namer, own_name
from plivocb.inert import visible
from plivocb.inspector.actions import Target
from plivocb.inspector.app import Inspector
from plivocb.inspector.serve import new_token, start
from plivocb.inspector.store import Store


@dataclass
class InspectOptions:
    """Everything `plivocb inspect` takes; the defaults are plivocb.defaults'."""

    paths: list[str] = field(default_factory=lambda: [str(defaults.RECORDED_DIR)])
    port: int = defaults.INSPECT_PORT  # on 127.0.0.1; the next free one if taken; 0: any
    to: str | None = None  # the default replay target (the page can type another)
    auth_token: str | None = None  # re-signs replays
    timeout: float = defaults.INSPECT_REPLAY_TIMEOUT  # seconds to wait for a replay
    option_names: Namer = own_name  # what the page's hints call options: the CLI's flags


async def serve_fixtures(opts: InspectOptions, stop: asyncio.Event | None = None) -> int:
    """Serve the inspector over `opts.paths`; returns how many callbacks it indexed."""
    paths, to, auth_token = opts.paths, opts.to, opts.auth_token
    store = Store()
    count, problems = await asyncio.to_thread(store.load_paths, paths)
    target = Target(to, auth_token, opts.timeout, opts.option_names)
    inspector = Inspector(store, new_token(), target)
    running = await start(inspector, opts.port, "port")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    signing = "re-signed with PLIVO_AUTH_TOKEN" if auth_token else "unsigned (no auth token)"
    lines = [
        f"plivocb inspector on {running.url}{running.moved_from(opts.port)}",
        f"  callbacks    {count} from {', '.join(paths)}",
        *([f"  skipped      {len(problems)} unreadable: {problems[0]}"] if problems else []),
        f"  replays      to {to or 'a URL typed in the page'}, {signing}",
        "  Ctrl-C to stop",
    ]
    print("\n".join(visible(line) for line in lines), file=sys.stdout, flush=True)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await running.close()
    return count
