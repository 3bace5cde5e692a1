"""Run the app with uvicorn on a socket bound here, so failures are errors, not exits.

Takes: a :class:`~.app.ServeConfig`. Gives: a :class:`Server` that binds its
address at construction (a busy port raises
:class:`~benech_publish.errors.ConfigError`), knows its real URL (port 0
picks a free one, as the tests do) and runs either in the foreground
(:meth:`Server.run`, stopped by Ctrl+C) or in a thread (:meth:`Server.start`
/ :meth:`Server.stop`).
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from ..errors import ConfigError
from .app import ServeConfig, create_app

#: Seconds open connections (event streams) get to finish when the server stops.
GRACEFUL_SECONDS = 2


class Server:
    def __init__(self, config: ServeConfig):
        self.config = config
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((config.host, config.port))
        except OSError as exc:
            sock.close()
            raise ConfigError(
                f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc} (try another --port)"
            ) from None
        sock.listen(128)
        self.socket = sock
        self.port: int = sock.getsockname()[1]
        self.app = create_app(config)
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(
                self.app,
                log_level="warning",
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=GRACEFUL_SECONDS,
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = self.config.host
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}/"

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C)."""
        try:
            self._uvicorn.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def start(self, timeout: float = 30.0) -> None:
        """Serve from a background thread; returns once requests are answered."""
        self._thread = threading.Thread(target=self.run, name="benech-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(f"the server on {self.url} did not start")
            time.sleep(0.02)

    def stop(self, timeout: float = 90.0) -> None:
        """Stop serving; waits for a build in progress to finish."""
        self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
