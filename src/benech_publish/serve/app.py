"""The ASGI application: staff pages, output files, live-reload events and the HTTP API.

Takes: a :class:`ServeConfig`. Gives: a Starlette app (:func:`create_app`)
whose lifespan starts the background :class:`~.builder.Builder` and the file
:class:`~.builder.Watcher`. Routes::

    /                           catalogue (HTML)           see pages.py
    /conditions/<lang>/<slug>   one condition (HTML)
    /problems                   problems by file (HTML)
    /events                     build status as server-sent events
    /files/<lang>/<name>        an output file (PDF, EPUB, HTML, braille)
    /api/...  /openapi.json     the JSON API, read-only   see api.py
    /static/...                 the app's CSS and script

Read-only: no route writes anything, and only GET/HEAD are accepted.
Every response carries a content security policy and ``nosniff``; the
``Host`` header must name the address the app was started on (so a web page
elsewhere cannot reach a localhost server through DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import ClassVar

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..options import Options
from ..overrides import override_folder
from ..render import Renderer
from .builder import Builder, BuildStatus, Watcher, watched_paths
from .labels import ui_language
from .state import OutputFile, resolve_file

HERE = Path(__file__).parent
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Seconds one event stream stays open; the browser then reconnects by itself.
EVENT_STREAM_SECONDS = 30.0


@dataclass(frozen=True)
class ServeConfig:
    """How ``benech-publish serve`` runs (see docs/serve.md)."""

    content_dir: Path = Path("content")
    out_dir: Path = Path("out")
    host: str = "127.0.0.1"
    port: int = 8000
    #: Build options; ``incremental`` is always on. Drafts are built (and marked) for preview.
    options: Options = field(default_factory=lambda: Options(include_drafts=True, incremental=True))
    #: Rebuild when a source changes.
    watch: bool = True
    #: Run one (incremental) build when the server starts.
    build_on_start: bool = True
    #: The date reviews are checked against (tests); today when None.
    today: dt.date | None = None

    @property
    def local_only(self) -> bool:
        return self.host in LOCAL_HOSTS


class Services:
    """What the route handlers share: the builder, the renderer and the file digests."""

    def __init__(self, config: ServeConfig):
        self.config = config
        self.builder = Builder(config.content_dir, config.out_dir, config.options, today=config.today)
        self.watcher = (
            Watcher(
                watched_paths(config.content_dir, config.options.templates), self.builder.request, ignore=config.out_dir
            )
            if config.watch
            else None
        )
        renderer = Renderer(override_folder(config.content_dir, config.options.templates))
        assert renderer.env.loader is not None
        renderer.env.loader = jinja2.ChoiceLoader(
            [
                renderer.env.loader,
                jinja2.PrefixLoader({"serve": jinja2.FileSystemLoader(str(HERE / "templates"))}),
            ]
        )
        self.renderer = renderer
        self.stopping = asyncio.Event()
        self._digests: dict[tuple[str, int, int], str] = {}

    def etag(self, f: OutputFile) -> str:
        """A strong ETag from the file's bytes (identical rebuilds keep their ETag)."""
        st = f.path.stat()
        key = (str(f.path), st.st_mtime_ns, st.st_size)
        if key not in self._digests:
            if len(self._digests) > 1024:
                self._digests.clear()
            self._digests[key] = hashlib.sha256(f.path.read_bytes()).hexdigest()[:32]
        return f'"{self._digests[key]}"'


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


class SecurityHeaders:
    """Adds the content security policy and friends to every HTTP response."""

    HEADERS: ClassVar[dict[str, str]] = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
    }

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in self.HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------- files


async def output_file(request: Request) -> Response:
    """``/files/<lang>/<name>``: one output, with ETag/Last-Modified and 304s."""
    svc = services(request)
    f = resolve_file(svc.config.out_dir, request.path_params["lang"], request.path_params["name"])
    if f is None:
        raise HTTPException(404)
    etag = svc.etag(f)
    modified = f.modified.replace(microsecond=0)
    headers = {"etag": etag, "last-modified": format_datetime(modified, usegmt=True), "cache-control": "no-cache"}
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return FileResponse(
        f.path, media_type=f.media_type, headers=headers, filename=f.name, content_disposition_type="inline"
    )


def _not_modified(request: Request, etag: str, modified: dt.datetime) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


# --------------------------------------------------------------------------- events


def status_payload(version: int, status: BuildStatus, lang: str = "en") -> dict[str, object]:
    """The build status as the events stream and ``/api/status`` send it (``summary`` in ``lang``)."""
    return {
        "version": version,
        "state": status.state,
        "done": status.done,
        "total": status.total,
        "current": status.current,
        "summary": status.summary(lang),
        "builds": status.builds,
        "failures": [{"output": f.output, "message": f.message} for f in status.failures],
    }


async def events(request: Request) -> Response:
    """Server-sent events: the status whenever it changes; the stream ends after a while."""
    svc = services(request)
    loop = asyncio.get_running_loop()
    lang = ui_language(request.headers.get("accept-language", ""))

    async def stream() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        deadline = loop.time() + EVENT_STREAM_SECONDS
        last = -1
        while loop.time() < deadline and not svc.stopping.is_set():
            version, _, status = svc.builder.current()
            if version != last:
                last = version
                yield f"data: {json.dumps(status_payload(version, status, lang))}\n\n"
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(svc.stopping.wait(), 0.25)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-cache"})


# --------------------------------------------------------------------------- errors


async def http_error(request: Request, exc: Exception) -> Response:
    """Errors never echo the request: a fixed text, JSON for the API, HTML otherwise."""
    assert isinstance(exc, HTTPException)
    code = exc.status_code
    text = {404: "Not found", 405: "Method not allowed"}.get(code, "Bad request")
    key = {404: "not_found", 405: "method_not_allowed"}.get(code, "bad_request")
    headers = dict(exc.headers or {})
    if request.url.path.startswith(("/api/", "/files/")) or request.url.path == "/openapi.json":
        return JSONResponse({"error": text, "status": code}, status_code=code, headers=headers)
    from .pages import render_page

    return render_page(
        request, "serve/error.html", status_code=code, headers=headers, title_key=key, code=code, path=""
    )  # never echo the address


# --------------------------------------------------------------------------- app


def create_app(config: ServeConfig) -> Starlette:
    """The app for ``config``; its lifespan runs the builder and the watcher."""
    from . import api, pages

    svc = Services(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc.builder.start()
        if config.build_on_start:
            svc.builder.request()
        if svc.watcher is not None:
            svc.watcher.start()
        try:
            yield
        finally:
            svc.stopping.set()
            if svc.watcher is not None:
                svc.watcher.stop()
            await asyncio.get_running_loop().run_in_executor(None, svc.builder.stop)

    routes = [
        *pages.routes(),
        Route("/events", events),
        Route("/files/{lang}/{name}", output_file),
        *api.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    allowed = ["*"] if config.host in ("0.0.0.0", "::") else sorted({config.host, *LOCAL_HOSTS})
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=allowed)],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.services = svc
    return app
