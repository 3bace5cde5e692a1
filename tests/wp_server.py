"""A local HTTP server on 127.0.0.1 for the importer's network tests (never another address).

``LocalSite()`` starts a threaded server on a free port; ``site.route(path,
body, ...)`` serves a body, a redirect (``status=302, location=...``) or a
slow trickle (``trickle=seconds between bytes``). Stops by itself when the
``with`` block ends. Every request loop is bounded by the test's own size.
"""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    body: bytes = b""
    kind: str = "application/json"
    status: int = 200
    location: str = ""
    trickle: float = 0.0


class _Handler(http.server.BaseHTTPRequestHandler):
    site: LocalSite

    def do_GET(self) -> None:
        route = self.site.routes.get(self.path.split("?")[0])
        self.site.requests.append(self.path)
        if route is None:
            route = Route(b"not found", "text/plain", 404)
        self.send_response(route.status)
        self.send_header("Content-Type", route.kind)
        if route.location:
            self.send_header("Location", route.location)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        try:
            if route.trickle:
                for i in range(len(route.body)):
                    self.wfile.write(route.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(route.trickle)
            else:
                self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up
            pass

    def log_message(self, *args: object) -> None:
        pass


class LocalSite:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"site": self})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def route(
        self,
        path: str,
        body: bytes = b"",
        kind: str = "application/json",
        *,
        status: int = 200,
        location: str = "",
        trickle: float = 0.0,
    ) -> str:
        self.routes[path] = Route(body, kind, status, location, trickle)
        return self.base + path

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
