"""The HTTP API for other apps: JSON, read-only, described by ``/openapi.json``.

Takes: GET requests. Gives: the conditions with their metadata and output
URLs, one condition, the build status and the content problems, all from one
:class:`~.state.Snapshot`. Files themselves are served by ``/files/...``
(see app.py); every URL in an answer is relative to the server.
See docs/http-api.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import __version__
from ..errors import Diagnostic
from .state import Entry, OutputFile, Snapshot

API_VERSION = "1"


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def file_json(f: OutputFile) -> dict[str, Any]:
    return {
        "url": f.url,
        "kind": f.kind,
        "format": f.format,
        "edition": f.edition,
        "media_type": f.media_type,
        "size": f.size,
        "modified": f.modified.isoformat().replace("+00:00", "Z"),
    }


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.location.path,
        "line": d.location.line,
        "severity": d.severity.value,
        "message": d.message,
        "code": d.code,
    }


def entry_json(e: Entry, *, full: bool = False) -> dict[str, Any]:
    c = e.condition
    data: dict[str, Any] = {
        "id": c.id if c else None,
        "lang": e.lang,
        "slug": e.slug,
        "title": e.title,
        "status": e.status,
        "summary": c.summary if c else "",
        "last_updated": _date(c.last_updated if c else None),
        "reviewed_on": _date(c.reviewed_on if c else None),
        "review_due": _date(c.review_due if c else None),
        "has_errors": e.broken,
        "problems": len(e.problems),
        "url": f"/api/conditions/{e.lang}/{e.slug}",
        "page_url": e.url,
        "outputs": [file_json(o) for o in e.outputs],
    }
    if full:
        data["reviewers"] = list(c.reviewers) if c else []
        data["keywords"] = list(c.keywords) if c else []
        data["source_url"] = c.source_url if c else ""
        data["sections"] = [{"anchor": s.anchor, "heading": s.heading, "level": s.level} for s in c.walk()] if c else []
        data["problem_list"] = [diagnostic_json(d) for d in e.problems]
        data["translations"] = []
    return data


def _snapshot(request: Request) -> Snapshot:
    _, snapshot, _ = request.app.state.services.builder.current()
    found: Snapshot = snapshot
    return found


async def list_conditions(request: Request) -> JSONResponse:
    snapshot = _snapshot(request)
    lang = request.query_params.get("lang")
    entries = [e for e in snapshot.entries if lang is None or e.lang == lang]
    booklets = [b for b in snapshot.booklets if lang is None or b.lang == lang]
    return JSONResponse(
        {
            "site": snapshot.site_name,
            "languages": list(snapshot.languages),
            "conditions": [entry_json(e) for e in entries],
            "booklets": [{"lang": b.lang, **file_json(b)} for b in booklets],
        }
    )


async def one_condition(request: Request) -> JSONResponse:
    snapshot = _snapshot(request)
    entry = snapshot.entry(request.path_params["lang"], request.path_params["slug"])
    if entry is None:
        raise HTTPException(404)
    data = entry_json(entry, full=True)
    if entry.condition is not None:
        data["translations"] = [
            {"lang": e.lang, "slug": e.slug, "url": f"/api/conditions/{e.lang}/{e.slug}"}
            for e in snapshot.entries
            if e.condition is not None and e.condition.id == entry.condition.id and e is not entry
        ]
    return JSONResponse(data)


async def problems(request: Request) -> JSONResponse:
    snapshot = _snapshot(request)
    return JSONResponse(
        {"errors": snapshot.error_count, "problems": [diagnostic_json(d) for d in snapshot.diagnostics]}
    )


async def status(request: Request) -> JSONResponse:
    from .app import status_payload

    version, _, state = request.app.state.services.builder.current()
    return JSONResponse(status_payload(version, state))


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(OPENAPI)


def routes() -> list[Route]:
    return [
        Route("/api/conditions", list_conditions),
        Route("/api/conditions/{lang}/{slug}", one_condition),
        Route("/api/problems", problems),
        Route("/api/status", status),
        Route("/openapi.json", openapi),
    ]


# --------------------------------------------------------------------------- OpenAPI

_STR = {"type": "string"}
_DATE = {"type": ["string", "null"], "format": "date"}
_NOT_FOUND = {
    "description": "No such condition or file.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_LANG = {
    "name": "lang",
    "in": "path",
    "required": True,
    "description": "Language code, e.g. it or en.",
    "schema": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
}


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "benech-publish",
        "version": f"{API_VERSION} (benech-publish {__version__})",
        "description": "Read-only access to the clinic's patient information: conditions, their "
        "review dates and every built file (PDF leaflets, large print, EPUB and PDF "
        "booklets, web pages, braille). See docs/http-api.md.",
    },
    "paths": {
        "/api/conditions": {
            "get": {
                "operationId": "listConditions",
                "summary": "Every condition in every language, and the booklets.",
                "parameters": [
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": "Only this language.",
                        "schema": _STR,
                    }
                ],
                "responses": {"200": _json("ConditionList", "The catalogue.")},
            }
        },
        "/api/conditions/{lang}/{slug}": {
            "get": {
                "operationId": "getCondition",
                "summary": "One condition in one language, with its sections and problems.",
                "parameters": [
                    _LANG,
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "description": "The content file's name without .md.",
                        "schema": _STR,
                    },
                ],
                "responses": {"200": _json("ConditionDetail", "The condition."), "404": _NOT_FOUND},
            }
        },
        "/api/problems": {
            "get": {
                "operationId": "listProblems",
                "summary": "What `benech-publish check` reports, one entry per problem.",
                "responses": {"200": _json("ProblemList", "Every problem in the content.")},
            }
        },
        "/api/status": {
            "get": {
                "operationId": "getStatus",
                "summary": "The background build: idle or building, and how far it got.",
                "responses": {"200": _json("Status", "The build status.")},
            }
        },
        "/files/{lang}/{name}": {
            "get": {
                "operationId": "getFile",
                "summary": "A built file by its stable URL, e.g. /files/it/emispasmo-facciale.large.pdf.",
                "description": "Sends ETag and Last-Modified and answers 304 to If-None-Match or "
                "If-Modified-Since when the file has not changed.",
                "parameters": [
                    _LANG,
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "description": "<slug>[.large].<html|pdf|epub|brf|pef>, or booklet[.large].<pdf|epub|brf|pef>.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The file.",
                        "content": {
                            "application/pdf": {},
                            "application/epub+zip": {},
                            "text/html": {},
                            "text/plain": {},
                            "application/x-pef+xml": {},
                        },
                    },
                    "304": {"description": "Not modified since the ETag or date the client has."},
                    "404": _NOT_FOUND,
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "status"],
                "properties": {"error": _STR, "status": {"type": "integer"}},
            },
            "File": {
                "type": "object",
                "required": ["url", "kind", "format", "edition", "media_type", "size", "modified"],
                "properties": {
                    "url": _STR,
                    "kind": {"enum": ["page", "leaflet", "booklet", "braille"]},
                    "format": {"enum": ["html", "pdf", "epub", "brf", "pef"]},
                    "edition": {"enum": ["standard", "large"]},
                    "media_type": _STR,
                    "size": {"type": "integer"},
                    "modified": {"type": "string", "format": "date-time"},
                },
            },
            "Booklet": {
                "allOf": [
                    {"$ref": "#/components/schemas/File"},
                    {"type": "object", "required": ["lang"], "properties": {"lang": _STR}},
                ]
            },
            "Condition": {
                "type": "object",
                "required": [
                    "id",
                    "lang",
                    "slug",
                    "title",
                    "status",
                    "summary",
                    "last_updated",
                    "reviewed_on",
                    "review_due",
                    "has_errors",
                    "problems",
                    "url",
                    "page_url",
                    "outputs",
                ],
                "properties": {
                    "id": {"type": ["string", "null"]},
                    "lang": _STR,
                    "slug": _STR,
                    "title": _STR,
                    "status": {"enum": ["draft", "approved"]},
                    "summary": _STR,
                    "last_updated": _DATE,
                    "reviewed_on": _DATE,
                    "review_due": _DATE,
                    "has_errors": {
                        "type": "boolean",
                        "description": "The file has errors now; outputs are from its last good version.",
                    },
                    "problems": {"type": "integer"},
                    "url": _STR,
                    "page_url": _STR,
                    "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/File"}},
                },
            },
            "ConditionDetail": {
                "allOf": [
                    {"$ref": "#/components/schemas/Condition"},
                    {
                        "type": "object",
                        "required": ["reviewers", "keywords", "source_url", "sections", "problem_list", "translations"],
                        "properties": {
                            "reviewers": {"type": "array", "items": _STR},
                            "keywords": {"type": "array", "items": _STR},
                            "source_url": _STR,
                            "sections": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["anchor", "heading", "level"],
                                    "properties": {"anchor": _STR, "heading": _STR, "level": {"type": "integer"}},
                                },
                            },
                            "problem_list": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                            "translations": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["lang", "slug", "url"],
                                    "properties": {"lang": _STR, "slug": _STR, "url": _STR},
                                },
                            },
                        },
                    },
                ]
            },
            "ConditionList": {
                "type": "object",
                "required": ["site", "languages", "conditions", "booklets"],
                "properties": {
                    "site": _STR,
                    "languages": {"type": "array", "items": _STR},
                    "conditions": {"type": "array", "items": {"$ref": "#/components/schemas/Condition"}},
                    "booklets": {"type": "array", "items": {"$ref": "#/components/schemas/Booklet"}},
                },
            },
            "Problem": {
                "type": "object",
                "required": ["file", "line", "severity", "message", "code"],
                "properties": {
                    "file": _STR,
                    "line": {"type": "integer"},
                    "severity": {"enum": ["error", "warning"]},
                    "message": _STR,
                    "code": _STR,
                },
            },
            "ProblemList": {
                "type": "object",
                "required": ["errors", "problems"],
                "properties": {
                    "errors": {"type": "integer"},
                    "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                },
            },
            "Status": {
                "type": "object",
                "required": ["version", "state", "done", "total", "current", "summary", "builds", "failures"],
                "properties": {
                    "version": {"type": "integer"},
                    "state": {"enum": ["idle", "building"]},
                    "done": {"type": "integer"},
                    "total": {"type": "integer"},
                    "current": _STR,
                    "summary": _STR,
                    "builds": {"type": "integer"},
                    "failures": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["output", "message"],
                            "properties": {"output": _STR, "message": _STR},
                        },
                    },
                },
            },
        }
    },
}
