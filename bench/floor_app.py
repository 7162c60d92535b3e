"""The contract's floor: the least a catcher can do per callback and still keep plivocb's promise.

python bench/floor_app.py PORT DIR TOKEN

A bare aiohttp app, like bare_app.py --write, that also does the rest of what `plivocb listen`
promises for every callback, each part written the cheapest way this author found and nothing
more (no classification tables, no inspector, no redaction, no hostile-input handling; one value
per param name, as the benchmark's callbacks carry):

* verifies the X-Plivo-Signature-V3 header (one HMAC-SHA256 over the SDKs' canonical string for
  a POST without a query: `URL?` + sorted name+value pairs + `.nonce`, or `URL.nonce` without
  params; plivo-reference.md §2.2);
* writes the callback as a complete TOML document (request line, headers, body, params,
  verdict, the reply) that a crash can never leave half-written: an unnamed file (O_TMPFILE)
  named by one linkat() once complete, which never replaces a file (as plivocb's atomic_write);
* prints one line per callback (time, From -> To, verdict, status) to stdout, flushed at
  most every 50 ms as plivocb batches its plain lines.

bench/run.py measures it beside bare_app.py --write and `plivocb listen`: its ratio to the bare
app is the ceiling any implementation of the contract in CPython on this machine can reach, and
listen's ratio to it shows what plivocb's own structure costs on top.
"""

from __future__ import annotations

import asyncio
import binascii
import hmac
import itertools
import os
import re
import sys
from datetime import UTC, datetime

from aiohttp import web

_UNNAMED = os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC  # Linux: as plivocb's atomic_write
REPLY = "<Response/>"
_UNSAFE = re.compile(r'[\x00-\x1f"\\\x7f]')  # what a TOML basic string must escape


def _q(text: str) -> str:
    """A TOML basic string (escapes only when needed: the usual callback needs none)."""
    if _UNSAFE.search(text) is None:
        return f'"{text}"'
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m[0]):04x}", out) + '"'


def floor_app(directory: str, token: str, public: str) -> web.Application:
    os.makedirs(directory, exist_ok=True)
    numbers = itertools.count(1)
    keyed = hmac.new(token.encode(), digestmod="sha256")
    procfd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    pending: list[str] = []
    out = sys.stdout

    def flush() -> None:
        if pending:
            out.write("".join(pending))
            out.flush()
            pending.clear()

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        body = await request.read()
        headers = request.headers
        url = public + request.raw_path
        pairs = sorted([(k, str(v)) for k, v in form.items()])
        mac = keyed.copy()
        nonce = headers.get("X-Plivo-Signature-V3-Nonce", "")
        signed = f"{url}?{''.join([k + v for k, v in pairs])}" if pairs else url
        mac.update(f"{signed}.{nonce}".encode())
        expected = binascii.b2a_base64(mac.digest(), newline=False)
        given = headers.get("X-Plivo-Signature-V3", "").encode()
        verdict = "valid" if hmac.compare_digest(expected, given) else "invalid"
        received = datetime.now(UTC).isoformat()
        text = body.decode("utf-8", "replace")
        items = [*headers.items(), *pairs]
        # one C-speed scan says whether anything needs escaping (the usual callback: nothing)
        scan = "".join([url, text, *[k + v for k, v in items]])
        caller, called = str(form.get("From", "")), str(form.get("To", ""))
        if scan.isprintable() and '"' not in scan and "\\" not in scan:
            fields = [f'"{k}" = "{v}"\n' for k, v in items]
        else:
            fields = [f"{_q(k)} = {_q(v)}\n" for k, v in items]
            url, text = _q(url)[1:-1], _q(text)[1:-1]
            caller, called = ascii(caller), ascii(called)  # the terminal line: escaped too
        fields.insert(len(headers), "\n[params]\n")
        data = "".join(
            [
                f'plivocb_fixture = 1\nkind = "answer"\nreceived_at = {received}\n\n[request]\n'
                f'method = "{request.method}"\npublic_url = "{url}"\nbody = "{text}"\n'
                "\n[request.headers]\n",
                *fields,
                f'\n[signature]\nverdict = "{verdict}"\n\n[response]\nstatus = 200\n'
                f'content_type = "text/xml"\nbody = "{REPLY}"\n',
            ]
        ).encode()
        n = next(numbers)
        fd = os.open(directory, _UNNAMED, 0o644)  # no name until it is complete
        try:
            os.write(fd, data)
            os.link(str(fd), f"{directory}/{n:08d}-answer.toml", src_dir_fd=procfd)
        finally:
            os.close(fd)
        if not pending:
            asyncio.get_running_loop().call_later(0.05, flush)
        pending.append(f"{received[11:19]} answer {caller} -> {called} {verdict} 200\n")
        return web.Response(text=REPLY, content_type="text/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def main() -> None:
    port, directory, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = floor_app(directory, token, f"http://127.0.0.1:{port}")
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
