"""Point a Plivo Application at the tunnel, remember what it had, and put it back."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plivocb.errors import PlivocbError, UsageError
from plivocb.plivo_api import APP_FIELDS, PlivoApi

POINTED_FIELDS = tuple(f for f in APP_FIELDS if not f.startswith("fallback"))  # what we change


def state_dir() -> Path:
    """Where saved app state lives: $PLIVOCB_STATE_DIR, else $XDG_STATE_HOME/plivocb."""
    if os.environ.get("PLIVOCB_STATE_DIR"):
        return Path(os.environ["PLIVOCB_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "plivocb"


def state_file(app_id: str) -> Path:
    safe = "".join(c for c in app_id if c.isalnum()) or "app"
    return state_dir() / f"app-{safe}.json"


@dataclass
class SavedApp:
    app_id: str
    original: dict[str, str]
    public_url: str
    pid: int
    saved_at: float

    def write(self, path: Path) -> None:
        from plivocb.fixture import replace_atomically

        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, json.dumps(self.__dict__, indent=2).encode("utf-8"))

    @classmethod
    def read(cls, path: Path) -> SavedApp:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise PlivocbError(
                f"cannot read saved app state {path}: {exc}", "delete it if it is stale"
            ) from None


def credentials(auth_id: str | None, auth_token: str | None) -> tuple[str, str]:
    if not auth_id or not auth_token:
        raise UsageError(
            "pointing a Plivo Application needs PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN",
            "export both (from the Plivo console), or pass --auth-id / --auth-token",
        )
    return auth_id, auth_token


def targets(public_url: str) -> dict[str, str]:
    return {
        "answer_url": f"{public_url}/answer",
        "answer_method": "POST",
        "hangup_url": f"{public_url}/hangup",
        "hangup_method": "POST",
        "message_url": f"{public_url}/message",
        "message_method": "POST",
    }


class AppPointer:
    """`point` saves the app's URLs to a state file first; `restore` puts them back."""

    def __init__(self, api: PlivoApi, app_id: str) -> None:
        self.api = api
        self.app_id = app_id
        self.path = state_file(app_id)
        self.saved: SavedApp | None = None

    async def point(self, public_url: str) -> SavedApp:
        current = await self.api.get_app(self.app_id)
        if self.path.exists():
            # A run that was killed left its saved originals: they, not the dead tunnel's
            # URLs the app now holds, are what must come back.
            saved = SavedApp.read(self.path)
            saved.public_url, saved.pid, saved.saved_at = public_url, os.getpid(), time.time()
        else:
            original = {k: str(current.get(k) or "") for k in APP_FIELDS}
            saved = SavedApp(self.app_id, original, public_url, os.getpid(), time.time())
        saved.write(self.path)
        self.saved = saved
        try:
            await self.api.update_app(self.app_id, targets(public_url))
        except PlivocbError:
            # The update may or may not have landed: put the originals back if we can, and
            # report the update's error (the state file stays if the restore fails too).
            with contextlib.suppress(PlivocbError):
                await self.restore()
            raise
        return saved

    async def restore(self) -> None:
        saved = self.saved or (SavedApp.read(self.path) if self.path.exists() else None)
        if saved is None:
            raise PlivocbError(
                f"nothing to restore for app {self.app_id}: no saved state at {self.path}",
                "plivocb restores apps itself when `listen --app` exits normally",
            )
        # URLs go back even when empty (the app must stop pointing at the tunnel); an empty
        # method would be rejected, so methods go back only when there was one.
        fields = {
            k: saved.original.get(k, "")
            for k in POINTED_FIELDS
            if k.endswith("_url") or saved.original.get(k)
        }
        await self.api.update_app(self.app_id, fields)
        self.path.unlink(missing_ok=True)
        self.saved = None


def describe(app: dict[str, Any], app_id: str) -> tuple[list[tuple[str, str]], str]:
    """Rows of (field, value) and a sentence on whether it points at a plivocb tunnel."""
    rows = [(k, str(app.get(k) or "")) for k in ("app_name", *APP_FIELDS)]
    path = state_file(app_id)
    saved = SavedApp.read(path) if path.exists() else None
    answer = str(app.get("answer_url") or "")
    if saved and answer.startswith(saved.public_url):
        verdict = f"points at a plivocb tunnel ({saved.public_url}); originals saved in {path}"
    elif any(
        h in answer for h in (".ngrok.app", ".ngrok-free.app", ".ngrok.io", ".ngrok-free.dev")
    ):
        verdict = "points at an ngrok URL (not one this machine's plivocb saved)"
    else:
        verdict = "does not point at a plivocb tunnel"
    return rows, verdict
