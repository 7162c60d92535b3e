"""Public reachability: an ngrok tunnel through pyngrok, or a URL the user already has."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from plivocb.errors import TunnelError

if TYPE_CHECKING:
    from pyngrok.conf import PyngrokConfig

T = TypeVar("T")
ALTERNATIVES = "or use --tunnel none / --public-url URL"


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
        # pyngrok's own start-up timeout; the environment variable exists for tests.
        self.startup_timeout = startup_timeout or int(
            os.environ.get("PLIVOCB_NGROK_STARTUP_TIMEOUT", "15")
        )
        self._config: PyngrokConfig | None = None
        self._public_url: str | None = None

    def _make_config(self) -> PyngrokConfig:
        from pyngrok import conf

        kwargs: dict[str, Any] = {"startup_timeout": self.startup_timeout}
        if self.authtoken:
            kwargs["auth_token"] = self.authtoken
        if "PYNGROK_NGROK_PATH" not in os.environ:
            default = conf.PyngrokConfig().ngrok_path
            on_path = shutil.which("ngrok")
            if not os.path.exists(default) and on_path:
                kwargs["ngrok_path"] = on_path
        return conf.PyngrokConfig(**kwargs)

    def _connect(self, local_url: str) -> str:
        from pyngrok import ngrok

        self._config = self._make_config()
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
                lambda: self._connect(local_url), self.startup_timeout + 5
            )
        except PyngrokNgrokInstallError as exc:
            raise TunnelError(
                f"ngrok is not installed and could not be downloaded ({_first_line(exc)})",
                f"install ngrok and put it on PATH (or set PYNGROK_NGROK_PATH), {ALTERNATIVES}",
            ) from None
        except PyngrokError as exc:
            await self.close()
            raise _explain(exc) from None
        except TimeoutError:
            await self.close()
            raise TunnelError(
                f"ngrok did not start within {self.startup_timeout + 5} s",
                f"check your network and ngrok account, {ALTERNATIVES}",
            ) from None
        return url.rstrip("/")

    async def close(self) -> None:
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
            f"ngrok refused to start without a valid authtoken ({text})",
            f"set NGROK_AUTHTOKEN or pass --ngrok-authtoken (free at dashboard.ngrok.com), "
            f"{ALTERNATIVES}",
        )
    return TunnelError(f"ngrok failed: {text}", f"check the ngrok agent, {ALTERNATIVES}")
