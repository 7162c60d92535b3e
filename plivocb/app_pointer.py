"""Point a Plivo Application at the tunnel, remember what it had, and put it back."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plivocb.errors import OptionError, PlivocbError
from plivocb.plivo_api import APP_FIELDS, PlivoApi
from plivocb.safe_files import read_regular
from plivocb.timeouts import Budget, budget_of, split

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
    auth_id: str = ""  # the account the app belongs to: a state file is never applied elsewhere

    def write(self, path: Path) -> None:
        from plivocb.atomic_write import replace_atomically

        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, json.dumps(self.__dict__, indent=2).encode("utf-8"))

    @classmethod
    def read(cls, path: Path, app_id: str, auth_id: str) -> SavedApp:
        """The saved state for `app_id` in account `auth_id`, validated; one-line error if not."""
        try:
            raw = read_regular(path, 1 << 20)
            data = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise _corrupt(path, f"not readable JSON ({exc})") from None
        problem = _state_problem(data, app_id, auth_id)
        if problem:
            raise _corrupt(path, problem)
        return cls(**data)


def _corrupt(path: Path, problem: str) -> PlivocbError:
    return PlivocbError(
        f"saved app state {path} cannot be used: {problem}; nothing was changed",
        "check the app in the Plivo console, fix its URLs there if needed, then delete the file",
    )


_STATE_TYPES: dict[str, type | tuple[type, ...]] = {
    "app_id": str,
    "original": dict,
    "public_url": str,
    "pid": int,
    "saved_at": (int, float),
    "auth_id": str,
}


def _state_problem(data: Any, app_id: str, auth_id: str) -> str:
    if not isinstance(data, dict):
        return "not a JSON object"
    if set(data) != set(_STATE_TYPES):
        return f"fields are {sorted(data)[:8]}, expected {sorted(_STATE_TYPES)}"
    for name, typ in _STATE_TYPES.items():
        if not isinstance(data[name], typ) or isinstance(data[name], bool):
            return f"{name} is {type(data[name]).__name__}"
    if data["app_id"] != app_id:
        return f"it belongs to app {data['app_id'][:40]!r}, not {app_id}"
    if data["auth_id"] != auth_id:
        return f"it belongs to account {data['auth_id'][:40]!r}, not {auth_id}"
    original = data["original"]
    if set(original) != set(APP_FIELDS) or not all(isinstance(v, str) for v in original.values()):
        return "its original URLs are incomplete or not strings"
    if not original["answer_url"]:
        return "its original answer_url is empty (restoring it would break the app)"
    return ""


def credentials(auth_id: str | None, auth_token: str | None) -> tuple[str, str]:
    if not auth_id or not auth_token:
        raise OptionError(
            lambda n: (
                "pointing a Plivo Application needs PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN",
                f"export both (from the Plivo console), or pass {n('auth_id')} / {n('auth_token')}",
            )
        )
    return auth_id, auth_token


POINTED_PATHS = {"answer_url": "/answer", "hangup_url": "/hangup", "message_url": "/message"}


def targets(public_url: str, original: dict[str, str] | None = None) -> dict[str, str]:
    """The tunnel URLs; an original URL's `#ct=…&rt=…` timeout fragment is kept on its
    replacement, so Plivo calls the tunnel with the budget the app was configured with."""
    fields: dict[str, str] = {}
    for key, path in POINTED_PATHS.items():
        fragment = split((original or {}).get(key, ""))[1]
        fields[key] = f"{public_url}{path}" + (f"#{fragment}" if fragment else "")
        fields[key.replace("_url", "_method")] = "POST"
    return fields


def budgets(original: dict[str, str]) -> dict[str, Budget]:
    """The catcher path of each pointed URL, with the timeout budget its fragment sets."""
    return {path: budget_of(original.get(key, "")) for key, path in POINTED_PATHS.items()}


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
            saved = SavedApp.read(self.path, self.app_id, self.api.auth_id)
            saved.public_url, saved.pid, saved.saved_at = public_url, os.getpid(), time.time()
        else:
            # get_app checked the reply is this Application with a non-empty answer_url
            original = {k: str(current.get(k) or "") for k in APP_FIELDS}
            saved = SavedApp(
                self.app_id, original, public_url, os.getpid(), time.time(), self.api.auth_id
            )
        saved.write(self.path)
        self.saved = saved
        try:
            await self.api.update_app(self.app_id, targets(public_url, saved.original))
        except PlivocbError:
            # The update may or may not have landed: put the originals back if we can, and
            # report the update's error (the state file stays if the restore fails too).
            with contextlib.suppress(PlivocbError):
                await self.restore()
            raise
        return saved

    async def restore(self) -> None:
        saved = self.saved or (
            SavedApp.read(self.path, self.app_id, self.api.auth_id) if self.path.exists() else None
        )
        if saved is None:
            app_id, path = self.app_id, self.path
            raise PlivocbError(
                words=lambda n: (
                    f"nothing to restore for app {app_id}: no saved state at {path}",
                    f"plivocb restores apps itself when `listen {n('app_id')}` exits normally",
                )
            )
        # URLs go back even when empty (the app must stop pointing at the tunnel); an empty
        # method would be rejected, so methods go back only when there was one.
        fields = {
            k: saved.original.get(k, "")
            for k in POINTED_FIELDS
            if k.endswith("_url") or saved.original.get(k)
        }
        if not fields.get("answer_url"):  # validated on load; never write an empty answer_url
            raise PlivocbError(f"the saved answer_url for app {self.app_id} is empty")
        await self.api.update_app(self.app_id, fields)
        self.path.unlink(missing_ok=True)
        self.saved = None


def describe(app: dict[str, Any], app_id: str, auth_id: str) -> tuple[list[tuple[str, str]], str]:
    """Rows of (field, value) and a sentence on whether it points at a plivocb tunnel."""
    rows = [(k, str(app.get(k) or "")) for k in ("app_name", *APP_FIELDS)]
    path = state_file(app_id)
    saved = SavedApp.read(path, app_id, auth_id) if path.exists() else None
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
