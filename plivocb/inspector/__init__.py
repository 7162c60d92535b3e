"""The local web inspector: see, search, edit and replay recorded callbacks, re-signed.

Owns `store` (the index, pure), `actions` (describe, replay, curl; uses plivocb.replay and
plivocb.signature), `app` (the aiohttp app and its guards), `serve` (loopback binding and the
`listen` feed) and `static/` (the page, shipped as package data: no CDN, no build step).
May import the core modules and aiohttp; nothing in the core imports it.
"""
