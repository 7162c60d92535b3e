"""Plivo `<Stream>` WebSocket audio sessions: catch, record, replay, generate.

Owns the stream fixture format (a v1 TOML fixture of kind "stream" for the handshake, an events
JSON-lines file and one WAV per audio track beside it), the WebSocket handler the catcher routes
upgrades to, the replayer and the synthetic generator. `protocol` and `audio` are pure (no
aiohttp, no rich); `record` does file I/O only; `ws` and `replay` use aiohttp.
"""
