"""Public reachability: an ngrok tunnel through pyngrok, or a URL the user already has."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from plivocb.environment import DEFAULT_NGROK_STARTUP_TIMEOUT
from plivocb.errors import ExitCode, Namer, TunnelError

if TYPE_CHECKING:
    from pyngrok.conf import PyngrokConfig

T = TypeVar("T")


def alternatives(n: Namer) -> str:
    """The way round ngrok, for any tunnel error's hint (options named by `n`)."""
    return f"or use {n('tunnel')} none / {n('public_url')} URL"


# Where ngrok's own error pages (ERR_NGROK_105/106, ngrok.com/docs/errors) send users for one.
AUTHTOKEN_URL = "https://dashboard.ngrok.com/get-started/your-authtoken"
INSTALL_URL = "https://ngrok.com/download"
# pyngrok's own start-up timer (pyngrok.process._start_process) is checked only between the
# agent's log lines, so an agent that prints nothing is bounded by ours: the start-up timeout
# plus this margin, which leaves pyngrok's more specific error the first word otherwise.
_STARTUP_MARGIN = 2


def is_pyngrok_shim(path: str) -> bool:
    """pyngrok installs an `ngrok` console script (`pyngrok.ngrok:main`, its entry_points.txt)
    into the venv: a tiny Python file that downloads the real agent into pyngrok's directory
    (`conf.DEFAULT_NGROK_PATH`, ~/.config/ngrok/ngrok on Linux) and runs it. It is not the agent;
    never run it as one."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return b"pyngrok" in head and (head.startswith(b"#!") or b"import" in head)


def _has_authtoken(config_file: str) -> bool:
    try:
        with open(config_file, encoding="utf-8", errors="replace") as handle:
            return "authtoken" in handle.read(1 << 16)
    except OSError:
        return False


@dataclass
class Agent:
    """Which ngrok agent to drive and how pyngrok should be configured for it."""

    path: str
    download: bool  # not installed yet: pyngrok downloads it into its own directory
    config_path: str | None  # None: the agent's default config (it exists)


def find_agent(authtoken: str | None, temp_dir: str) -> Agent:
    """Pick the agent without running or creating anything, or explain in one line why not.

    Order: PYNGROK_NGROK_PATH, pyngrok's own install (~/.config/ngrok/ngrok on Linux), a real
    `ngrok` on PATH (the pyngrok shim is skipped), else pyngrok downloads it, which needs an
    authtoken anyway. When the agent's default config does not exist, pyngrok is pointed at a
    config under `temp_dir` so nothing is created under ~/.config/ngrok before a tunnel starts.
    """
    from pyngrok import conf

    default_config = conf.DEFAULT_NGROK_CONFIG_PATH
    token = authtoken or os.environ.get("NGROK_AUTHTOKEN") or ""
    config_path = None if os.path.exists(default_config) else os.path.join(temp_dir, "ngrok.yml")
    if not token and not _has_authtoken(default_config):
        raise TunnelError(
            words=lambda n: (
                "ngrok needs an authtoken and none is set",
                f"set NGROK_AUTHTOKEN (free at {AUTHTOKEN_URL}) or pass {n('ngrok_authtoken')}, "
                f"{alternatives(n)}",
            ),
            exit_code=ExitCode.USAGE,  # a setting, not an outage
        )
    explicit = os.environ.get("PYNGROK_NGROK_PATH")
    if explicit:
        if is_pyngrok_shim(explicit):
            raise TunnelError(
                words=lambda n: (
                    f"PYNGROK_NGROK_PATH={explicit} is pyngrok's `ngrok` script, not the ngrok "
                    "agent",
                    f"point it at the agent binary ({INSTALL_URL}) or unset it, {alternatives(n)}",
                ),
                exit_code=ExitCode.USAGE,  # a setting
            )
        return Agent(explicit, not os.path.exists(explicit), config_path)
    if os.path.exists(conf.DEFAULT_NGROK_PATH):
        return Agent(conf.DEFAULT_NGROK_PATH, False, config_path)
    on_path = shutil.which("ngrok")
    if on_path and not is_pyngrok_shim(on_path):
        return Agent(on_path, False, config_path)
    return Agent(conf.DEFAULT_NGROK_PATH, True, config_path)


class Tunnel(Protocol):
    async def open(self, local_url: str) -> str:
        """Make `local_url` reachable; return the public base URL (no trailing slash)."""

    async def close(self) -> None: ...


class StaticTunnel:
    """No tunnel: the public URL is given (a reverse proxy) or is the local address itself."""

    def __init__(self, public_url: str | None = None) -> None:
        self.public_url = public_url

    async def open(self, local_url: str) -> str:
        return (self.public_url or local_url).rstrip("/")

    async def close(self) -> None:
        return None


async def _in_daemon_thread(fn: Callable[[], T], timeout: float) -> T:
    """Run blocking `fn` where a hang cannot keep the process alive past `timeout`."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def runner() -> None:
        try:
            result = fn()
        except BaseException as exc:  # delivered to the awaiting coroutine
            outcome: tuple[T | None, BaseException | None] = (None, exc)
        else:
            outcome = (result, None)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=runner, name="plivocb-ngrok", daemon=True).start()
    return await asyncio.wait_for(future, timeout)


class NgrokTunnel:
    """An HTTP tunnel through the ngrok agent, driven by pyngrok (blocking calls off the loop)."""

    def __init__(
        self,
        authtoken: str | None = None,
        domain: str | None = None,
        startup_timeout: int | None = None,
    ) -> None:
        self.authtoken = authtoken
        self.domain = domain
        # pyngrok's own start-up timeout (set from plivocb.environment.Environment)
        self.startup_timeout = startup_timeout or DEFAULT_NGROK_STARTUP_TIMEOUT
        self._config: PyngrokConfig | None = None
        self._public_url: str | None = None
        self._agent: Agent | None = None
        self._temp: tempfile.TemporaryDirectory[str] | None = None
        self._dir_existed = True

    def _make_config(self) -> PyngrokConfig:
        from pyngrok import conf

        self._temp = tempfile.TemporaryDirectory(prefix="plivocb-ngrok-")
        self._agent = find_agent(self.authtoken, self._temp.name)
        kwargs: dict[str, Any] = {
            "startup_timeout": self.startup_timeout,
            "ngrok_path": self._agent.path,
            "config_path": self._agent.config_path,
        }
        if self.authtoken:
            kwargs["auth_token"] = self.authtoken
        return conf.PyngrokConfig(**kwargs)

    def _forget_failed_download(self) -> None:
        """A download that failed leaves nothing behind under pyngrok's directory."""
        if self._agent is None or not self._agent.download:
            return
        directory = os.path.dirname(self._agent.path)
        with contextlib.suppress(OSError):
            os.unlink(self._agent.path)
        if not self._dir_existed:
            shutil.rmtree(directory, ignore_errors=True)

    def _connect(self, local_url: str) -> str:
        from pyngrok import ngrok

        config = self._make_config()
        if self._agent is not None and self._agent.download:
            self._dir_existed = os.path.isdir(os.path.dirname(self._agent.path))
        self._config = config
        options: dict[str, Any] = {}
        if self.domain:
            options["url"] = self.domain if "://" in self.domain else f"https://{self.domain}"
        tunnel = ngrok.connect(local_url, "http", pyngrok_config=self._config, **options)
        url = str(tunnel.public_url)
        self._public_url = url
        return url

    async def open(self, local_url: str) -> str:
        from pyngrok.exception import PyngrokError, PyngrokNgrokInstallError

        try:
            url = await _in_daemon_thread(
                lambda: self._connect(local_url), self.startup_timeout + _STARTUP_MARGIN
            )
        except TunnelError:
            await self.close()
            raise
        except PyngrokNgrokInstallError as exc:
            self._forget_failed_download()
            await self.close()
            reason = _first_line(exc)
            raise TunnelError(
                words=lambda n: (
                    f"ngrok is not installed and could not be downloaded ({reason})",
                    f"install the agent ({INSTALL_URL}) on PATH or set PYNGROK_NGROK_PATH, "
                    f"{alternatives(n)}",
                )
            ) from None
        except PyngrokError as exc:
            await self.close()
            # pyngrok's own start-up timer ran out (pyngrok.process._start_process): the same
            # event as ours below, whichever fired first on a loaded machine
            if "unable to start" in str(exc):
                raise self._not_started(self.startup_timeout) from None
            raise _explain(exc) from None
        except TimeoutError:
            await self.close()
            raise self._not_started(self.startup_timeout + _STARTUP_MARGIN) from None
        return url.rstrip("/")

    @staticmethod
    def _not_started(seconds: int) -> TunnelError:
        return TunnelError(
            words=lambda n: (
                f"ngrok did not start within {seconds} s",
                f"check your network and ngrok account, {alternatives(n)}",
            )
        )

    async def close(self) -> None:
        try:
            await self._shutdown()
        finally:
            if self._temp is not None:  # the agent's config lived here: remove it after the agent
                self._temp.cleanup()
                self._temp = None

    async def _shutdown(self) -> None:
        if self._config is None:
            return
        from pyngrok import ngrok

        config, self._config = self._config, None

        from pyngrok import process

        # pyngrok registers the agent before it is healthy; a start-up that hangs holds pyngrok's
        # lock, so kill that process directly first, then let pyngrok tidy up.
        starting = process._current_processes.get(config.ngrok_path)
        if starting is not None and starting.proc.poll() is None and not self._public_url:
            starting.proc.kill()

        def shutdown() -> None:
            with contextlib.suppress(Exception):  # the agent may be gone already
                if self._public_url:
                    ngrok.disconnect(self._public_url, pyngrok_config=config)
            ngrok.kill(pyngrok_config=config)

        with contextlib.suppress(TimeoutError):
            await _in_daemon_thread(shutdown, 10)
        if starting is not None and starting.proc.poll() is None:
            starting.proc.kill()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _explain(exc: BaseException) -> TunnelError:
    text = _first_line(exc)
    lowered = str(exc).lower()
    if "authtoken" in lowered or "authentication failed" in lowered or "err_ngrok_4018" in lowered:
        return TunnelError(
            words=lambda n: (
                f"ngrok refused to start without a valid authtoken ({text})",
                f"set NGROK_AUTHTOKEN or pass {n('ngrok_authtoken')} (free at "
                f"dashboard.ngrok.com), {alternatives(n)}",
            ),
            exit_code=ExitCode.USAGE,  # a setting, not an outage
        )
    return TunnelError(
        words=lambda n: (f"ngrok failed: {text}", f"check the ngrok agent, {alternatives(n)}")
    )
