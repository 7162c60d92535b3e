"""Baseline servers: bare aiohttp apps that parse the same form body and answer <Response/>.

python bench/bare_app.py PORT              # parse the form and answer (the old baseline)
python bench/bare_app.py PORT --write DIR  # also write the raw body to a new file in DIR
                                           # (exclusive create) before answering: the
                                           # unavoidable work of "on disk before the answer"
"""

from __future__ import annotations

import itertools
import os
import sys

from aiohttp import web

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


async def handle(request: web.Request) -> web.Response:
    await request.post()
    return web.Response(text="<Response/>", content_type="text/xml")


def writer(directory: str) -> web.Handler:
    os.makedirs(directory, exist_ok=True)
    numbers = itertools.count(1)

    async def handle_write(request: web.Request) -> web.Response:
        await request.post()
        body = await request.read()  # the raw bytes post() parsed (aiohttp keeps them)
        fd = os.open(os.path.join(directory, f"{next(numbers):08d}.body"), _FLAGS, 0o644)
        try:
            os.write(fd, body)
        finally:
            os.close(fd)
        return web.Response(text="<Response/>", content_type="text/xml")

    return handle_write


def main() -> None:
    port = int(sys.argv[1])
    handler = writer(sys.argv[3]) if sys.argv[2:3] == ["--write"] else handle
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
