"""Replay's contract floor: the least a replay can do per fixture and still do what replay does.

    python bench/replay_floor.py URL DIR CONCURRENCY TOKEN

baseline_replay.py (read each file, tomli-parse it, post its body with CONCURRENCY workers) plus
the rest of what `plivocb replay --auth-token T --json` promises for every fixture, each part
written the cheapest way this author found and nothing more (no hostile-input handling, no
routes, no overrides, no baselines; POSTs without a recorded query, as the benchmark's are):

* the fields it sends are checked to be strings (a broken fixture must be named, not sent);
* the request is re-signed for the target URL: V3 (`URL?` + sorted name+value pairs + `.nonce`)
  and V2 (URL + nonce), one HMAC-SHA256 each, fresh nonces, the six headers of
  plivo-reference.md §2.1 (the `-Ma-` pair reusing the same HMACs, as with no main token);
* the recorded headers go along (but the hop-by-hop ones and the old signature headers);
* the reply's status is checked and an answer's body parsed as XML (xml.etree);
* one JSON line per result on stdout.

bench/run.py measures it beside the baseline and `plivocb replay`: its ratio to the baseline is
the ceiling any replay keeping that promise can reach in CPython on this machine.
"""

from __future__ import annotations

import asyncio
import binascii
import hmac
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import aiohttp
import tomli

_SKIP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


async def run(url: str, directory: str, concurrency: int, token: str) -> int:
    names = sorted(n for n in os.listdir(directory) if n.endswith(".toml"))
    names.reverse()
    keyed = hmac.new(token.encode(), digestmod="sha256")
    out = sys.stdout
    passed = 0

    def sign(message: str) -> str:
        mac = keyed.copy()
        mac.update(message.encode())
        return binascii.b2a_base64(mac.digest(), newline=False).decode()

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal passed
            while names:
                name = names.pop()
                with open(os.path.join(directory, name), "rb") as handle:
                    doc = tomli.loads(handle.read().decode("utf-8"))
                req, params = doc["request"], doc["params"]
                fields = [req["method"], req["path"], req["body"], doc["kind"], *params.values()]
                if set(map(type, fields)) != {str}:
                    raise ValueError(f"{name}: a field is not a string")
                target = url + req["path"]
                pairs = "".join([k + params[k] for k in sorted(params)])
                v3_nonce = f"{int.from_bytes(os.urandom(10), 'big') % 10**20:020d}"
                v2_nonce = f"{int.from_bytes(os.urandom(10), 'big') % 10**20:020d}"
                v3 = sign(f"{target}?{pairs}.{v3_nonce}" if pairs else f"{target}.{v3_nonce}")
                v2 = sign(target + v2_nonce)
                headers = {
                    k: v
                    for k, v in req["headers"].items()
                    if k.lower() not in _SKIP and not k.lower().startswith("x-plivo-signature")
                }
                headers["X-Plivo-Signature-V3"] = headers["X-Plivo-Signature-Ma-V3"] = v3
                headers["X-Plivo-Signature-V3-Nonce"] = v3_nonce
                headers["X-Plivo-Signature-V2"] = headers["X-Plivo-Signature-Ma-V2"] = v2
                headers["X-Plivo-Signature-V2-Nonce"] = v2_nonce
                started = time.perf_counter()
                async with session.request(
                    req["method"], target, data=req["body"].encode(), headers=headers
                ) as resp:
                    body = await resp.text()
                    status = resp.status
                ok = status == 200
                if ok and doc["kind"] == "answer":
                    try:
                        ok = ET.fromstring(body).tag == "Response"
                    except ET.ParseError:
                        ok = False
                passed += ok
                elapsed = (time.perf_counter() - started) * 1000
                out.write(
                    json.dumps(
                        {"fixture": name, "status": status, "passed": ok, "elapsed_ms": elapsed}
                    )
                    + "\n"
                )

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return passed


def main() -> None:
    started = time.perf_counter()
    url, directory, concurrency, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    passed = asyncio.run(run(url, directory, concurrency, token))
    elapsed = time.perf_counter() - started
    print(json.dumps({"summary": True, "passed": passed, "elapsed_s": elapsed}))


if __name__ == "__main__":
    main()
