"""``benech-publish serve``: a local web app for clinic staff and an HTTP API for other apps.

Takes: the content and output folders. Gives: a web server (Starlette on
uvicorn) with

* staff pages (:mod:`.pages`): the catalogue, each condition with its files
  and a preview of its web page, the problems ``check`` reports;
* live preview (:mod:`.builder`): a change to content, ``site.yaml``, an
  image or a template starts an incremental build in a background thread,
  through the library's own :func:`~benech_publish.build`; open pages
  follow it (:mod:`.app`, ``/events``);
* a read-only JSON API with an OpenAPI description (:mod:`.api`) and every
  built file by a stable URL (:mod:`.state` maps URLs to files, strictly).

Usage::

    from benech_publish.serve import ServeConfig, Server

    server = Server(ServeConfig(content_dir=Path("content"), out_dir=Path("out"), port=0))
    server.start(); print(server.url); ...; server.stop()
"""

from __future__ import annotations

from .app import ServeConfig, create_app
from .server import Server

__all__ = ["ServeConfig", "Server", "create_app"]
