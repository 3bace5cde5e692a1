"""benech-publish serve over real HTTP: every route, every error, path traversal, live rebuilds.

The server runs on 127.0.0.1 and a free port inside the test run; requests
are made with httpx (and raw http.client where a client would normalise the
path). Browser tests (Chromium, axe-core) are in test_serve_browser.py.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from benech_publish import Options
from benech_publish.serve import Server
from benech_publish.serve.api import OPENAPI
from benech_publish.serve.labels import UI, ui_language
from benech_publish.serve.pages import file_id
from conftest import PROJECT, ROOTS
from serving import copy_project, running

IT_LARGE = "/files/it/emispasmo-facciale.large.pdf"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shipped_out: Path) -> Iterator[Server]:
    """The shipped content and its outputs, served without watching (nothing changes)."""
    content, out = copy_project(tmp_path_factory.mktemp("serve"), shipped_out)
    with running(content, out) as server:
        yield server


@pytest.fixture
def client(site: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url.rstrip("/"), timeout=30) as c:
        yield c


def raw_get(server: Server, target: str, host: str | None = None) -> tuple[int, bytes]:
    """GET ``target`` exactly as written (no normalisation of ``..`` or ``%2e``)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("GET", target, skip_host=True)
        conn.putheader("Host", host or f"127.0.0.1:{server.port}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": OPENAPI["components"]}


# --------------------------------------------------------------------------- staff pages


def test_catalogue_lists_every_condition_by_language(client: httpx.Client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="en">' in html
    assert 'href="/conditions/it/emispasmo-facciale" lang="it">Emispasmo facciale</a>' in html
    assert 'href="/conditions/en/facial-nerve-hemispasm" lang="en">Facial Nerve Hemispasm</a>' in html
    assert html.index('id="lang-it"') < html.index('id="lang-en"')  # site.yaml's language order
    assert "<strong>Draft</strong>" in html  # the Italian text is a draft
    assert 'href="/files/it/booklet.large.pdf" download' in html


def test_condition_page_has_a_button_per_output_and_the_built_preview(client: httpx.Client, site: Server):
    html = client.get("/conditions/it/emispasmo-facciale").text
    assert '<h1 lang="it">Emispasmo facciale</h1>' in html
    assert f'<a class="button" href="{IT_LARGE}" download>Foglio informativo, caratteri grandi (PDF)</a>' in html
    assert 'class="button print" href="/files/it/emispasmo-facciale.pdf"' in html
    assert '<ul class="outputs" lang="it">' in html
    # the preview is the built page's article, headings one level down under the page's h1
    built = (site.config.out_dir / "html/it/emispasmo-facciale.html").read_text(encoding="utf-8")
    assert 'id="sintomi"' in built and 'id="sintomi"' in html
    assert "<h1>" in built and html.count("<h1") == 1
    assert '<div id="preview" class="preview" lang="it">' in html and "<h2>Emispasmo facciale</h2>" in html


def test_pages_speak_the_browsers_language(client: httpx.Client):
    italian = {"Accept-Language": "it-IT,it;q=0.9,en;q=0.8"}
    html = client.get("/", headers=italian).text
    assert '<html lang="it">' in html and "<h1>Catalogo</h1>" in html
    assert "<strong>Bozza</strong>" in html and ">Vai al contenuto principale</a>" in html
    page = client.get("/conditions/en/facial-nerve-hemispasm", headers=italian).text
    assert '<h2 id="files-title">File per il paziente</h2>' in page
    # output buttons stay in the patient's language
    assert ">Leaflet, large print (PDF)</a>" in page
    missing = client.get("/nope", headers=italian)
    assert missing.status_code == 404 and "<h1>Pagina non trovata</h1>" in missing.text
    english = client.get("/", headers={"Accept-Language": "de-DE,en;q=0.5,it;q=0.4"}).text
    assert '<html lang="en">' in english and "<h1>Catalogue</h1>" in english
    with client.stream("GET", "/events", headers=italian) as r:
        line = next(line for line in r.iter_lines() if line.startswith("data: "))
    summary = json.loads(line[6:])["summary"]
    assert summary.startswith(("Nessuna creazione", "Ultima creazione", "Creazione"))


@pytest.mark.parametrize(
    "header,expected",
    [
        ("", "en"),
        ("it", "it"),
        ("it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7", "it"),
        ("en-US,en;q=0.9,it;q=0.8", "en"),
        ("de-DE, it;q=0.5, en;q=0.4", "it"),
        ("fr", "en"),
        ("it;q=0, en;q=0.1", "en"),
        ("*", "en"),
        ("<script>", "en"),
        ("it;q=abc", "en"),
        ("EN;q=0.5, IT;q=0.6", "it"),
        ("it, en", "it"),
    ],
)
def test_ui_language_negotiation(header: str, expected: str):
    assert ui_language(header) == expected


def test_problems_page_groups_by_file_with_lines(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    with running(ROOTS / "broken", out) as server:
        html = httpx.get(server.url + "problems").text
        catalogue = httpx.get(server.url).text
        detail = httpx.get(server.url + "conditions/en/no-title").text
    bad_yaml, no_title = (str(ROOTS / "broken" / "en" / name) for name in ("bad-yaml.md", "no-title.md"))
    assert f'<h2 id="{file_id(bad_yaml)}"><code>{bad_yaml}</code></h2>' in html
    assert '<li><span class="sev-error">Error</span>, line 4: <span lang="en">malformed YAML' in html
    assert 'line 1: <span lang="en">missing title' in html
    # broken files are still in the catalogue, linked to their problems, and have a page
    assert f'href="/problems#{file_id(no_title)}">1, not built</a>' in catalogue
    assert "This file has errors" in detail and "missing title" in detail


def test_unknown_pages_are_404_and_nothing_is_reflected(client: httpx.Client):
    evil = "<script>alert(1)</script>"
    for path in (
        "/nope",
        "/conditions/it/nope",
        "/conditions/xx/emispasmo-facciale",
        f"/conditions/it/{evil}",
        f"/?q={evil}",
        f"/problems?{evil}=1",
    ):
        r = client.get(path)
        assert r.status_code in (200, 404), path
        assert "<script>alert" not in r.text and "alert(1)" not in r.text, path
    assert client.get("/nope").status_code == 404
    assert client.get("/conditions/it/nope").status_code == 404
    assert client.get(f"/?q={evil}").status_code == 200


def test_static_files(client: httpx.Client):
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = client.get("/static/live.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "EventSource" in js.text
    assert client.get("/static/nope.css").status_code == 404


def test_read_only_and_security_headers(client: httpx.Client, site: Server):
    before = sorted(p for p in site.config.out_dir.rglob("*"))
    for path in ("/", "/api/conditions", IT_LARGE, "/conditions/it/emispasmo-facciale"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            assert client.request(method, path).status_code == 405, (method, path)
    assert sorted(p for p in site.config.out_dir.rglob("*")) == before
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    # another Host (a DNS-rebinding page) is refused
    status, _ = raw_get(site, "/api/conditions", host="evil.example")
    assert status == 400


# --------------------------------------------------------------------------- files


def test_files_have_types_etag_last_modified_and_304(client: httpx.Client, site: Server):
    expected = {".pdf": "application/pdf", ".epub": "application/epub+zip", ".html": "text/html; charset=utf-8"}
    for url, media in (
        (IT_LARGE, ".pdf"),
        ("/files/en/booklet.epub", ".epub"),
        ("/files/en/facial-nerve-hemispasm.large.html", ".html"),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"] == expected[media]
        name = url.rsplit("/", 1)[1]
        folder = {".pdf": "pdf", ".epub": "epub", ".html": "html"}[media]
        assert r.content == (site.config.out_dir / folder / url.split("/")[2] / name).read_bytes()
        etag, modified = r.headers["etag"], r.headers["last-modified"]
        assert etag.startswith('"') and modified.endswith("GMT")
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        head = client.head(url)
        assert head.status_code == 200 and head.headers["etag"] == etag and not head.content
    assert client.get(IT_LARGE).content.startswith(b"%PDF-")


TRAVERSALS = (
    "/files/../pyproject.toml",
    "/files/it/../../pyproject.toml",
    "/files/%2e%2e/pyproject.toml",
    "/files/it/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/files/..%2f..%2fpyproject.toml",
    "/files/it/..%2F..%2F..%2Fpyproject.toml",
    "/files/%2e%2e%2f%2e%2e/pyproject.toml",
    "/files/it/%252e%252e%252fpyproject.toml",
    "/files/it/....//....//pyproject.toml",
    "/files/it/%2fetc%2fpasswd",
    "/files/it//etc/passwd",
    "/files/it/emispasmo-facciale.large.pdf%00.toml",
    "/files/it/emispasmo-facciale.md",
    "/files/../content/it/emispasmo-facciale.md",
    "/files/pdf/it/emispasmo-facciale.pdf",
    "/static/../pyproject.toml",
    "/static/%2e%2e/app.py",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/files/it/.%2e/.%2e/pyproject.toml",
    "/files/it/..\\..\\pyproject.toml",
)


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_outside_the_outputs_is_served(site: Server, target: str):
    status, body = raw_get(site, target)
    assert status == 404, (target, status)
    assert b"[project]" not in body and b"root:" not in body and b"def " not in body


def test_no_directory_listings(site: Server):
    redirected = httpx.get(site.url + "static", follow_redirects=True)
    assert redirected.status_code == 404 and b">app.css<" not in redirected.content
    for target in (
        "/files/",
        "/files/it",
        "/files/it/",
        "/static/",
        "/files/it/pdf",
        "/api/",
        "/conditions/",
        "/conditions/it/",
    ):
        status, body = raw_get(site, target)
        assert status == 404, target
        assert b"Index of" not in body and b">app.css<" not in body and b"live.js<" not in body
        assert b"emispasmo-facciale.pdf" not in body


def test_links_leading_out_of_the_output_folder_are_404(tmp_path: Path, shipped_out: Path):
    content, out = copy_project(tmp_path, shipped_out)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7 secret")
    (out / "pdf" / "it" / "evil.pdf").symlink_to(secret)
    (out / "pdf" / "xx").symlink_to(tmp_path)  # a linked language folder outside out/
    (out / "pdf" / "it" / "same.pdf").symlink_to(out / "pdf" / "it" / "emispasmo-facciale.pdf")
    with running(content, out) as server:
        assert raw_get(server, "/files/it/evil.pdf")[0] == 404
        assert raw_get(server, "/files/xx/secret.pdf")[0] == 404
        assert raw_get(server, "/files/it/same.pdf")[0] == 200  # a link inside out/ is fine
        assert raw_get(server, "/files/it/pdf")[0] == 404


# --------------------------------------------------------------------------- API


def test_openapi_description_is_valid_and_covers_every_api_route(client: httpx.Client, site: Server):
    spec = client.get("/openapi.json").json()
    validate_openapi(spec)
    documented = set(spec["paths"])
    served = {route.path for route in site.app.routes if getattr(route, "path", "").startswith(("/api/", "/files/"))}
    assert served == documented


def test_api_lists_both_languages_with_working_file_urls(client: httpx.Client):
    data = client.get("/api/conditions").json()
    jsonschema.validate(data, schema("ConditionList"))
    assert data["languages"] == ["it", "en"]
    by_lang = {c["lang"]: c for c in data["conditions"]}
    assert by_lang["it"]["id"] == by_lang["en"]["id"] == "facial-nerve-hemispasm"
    # Both drafts: the English text has no review data yet (see content/en, review policy).
    assert by_lang["it"]["status"] == "draft" and by_lang["en"]["status"] == "draft"
    it_outputs = {(o["kind"], o["format"], o["edition"]): o for o in by_lang["it"]["outputs"]}
    assert it_outputs[("leaflet", "pdf", "large")]["url"] == IT_LARGE
    urls = [o["url"] for c in data["conditions"] for o in c["outputs"]] + [b["url"] for b in data["booklets"]]
    # 4 pages, 4 leaflets, 4 braille leaflets (BRF, PEF), 4 booklet PDFs, 4 EPUBs, 4 braille booklets
    assert len(urls) == 24
    for entry in [o for c in data["conditions"] for o in c["outputs"]] + data["booklets"]:
        r = client.head(entry["url"])
        assert r.status_code == 200 and r.headers["content-type"] == entry["media_type"], entry["url"]
        assert int(r.headers["content-length"]) == entry["size"]
    only_en = client.get("/api/conditions", params={"lang": "en"}).json()
    assert [c["lang"] for c in only_en["conditions"]] == ["en"]


def test_api_one_condition_and_404s(client: httpx.Client):
    r = client.get("/api/conditions/en/facial-nerve-hemispasm")
    assert r.status_code == 200
    data = r.json()
    jsonschema.validate(data, schema("ConditionDetail"))
    assert data["title"] == "Facial Nerve Hemispasm"
    assert [s["anchor"] for s in data["sections"]][:2] == ["definizione", "sintomi"]
    assert data["translations"] == [
        {"lang": "it", "slug": "emispasmo-facciale", "url": "/api/conditions/it/emispasmo-facciale"}
    ]
    for path in (
        "/api/conditions/en/nope",
        "/api/conditions/zz/facial-nerve-hemispasm",
        "/api/nope",
        "/files/it/nope.pdf",
        "/files/it/booklet.docx",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json() == {"error": "Not found", "status": 404}
        jsonschema.validate(r.json(), schema("Error"))


def test_api_status_problems_and_events(client: httpx.Client):
    status = client.get("/api/status").json()
    jsonschema.validate(status, schema("Status"))
    problems = client.get("/api/problems").json()
    jsonschema.validate(problems, schema("ProblemList"))
    with client.stream("GET", "/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                break
    jsonschema.validate(event, schema("Status"))
    assert event["version"] == status["version"]


# --------------------------------------------------------------------------- live rebuilds


def _wait(server: Server, builds: int, timeout: float = 180) -> None:
    assert server.app.state.services.builder.wait_for(lambda s: s.builds >= builds and not s.building, timeout), (
        "the build did not finish"
    )


def _until(check, timeout: float = 180) -> None:
    """Poll ``check()`` until it is true (a rebuild after an edit has finished its part)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the server did not pick up the edit"
        time.sleep(0.2)


def test_edits_rebuild_outputs_and_a_broken_edit_shows_its_problems(tmp_path: Path, shipped_out: Path):
    content, out = copy_project(tmp_path, shipped_out)
    source = content / "en" / "facial-nerve-hemispasm.md"
    text = source.read_text(encoding="utf-8")
    with running(content, out, watch=True) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        etag = c.get("/files/en/facial-nerve-hemispasm.large.pdf").headers["etag"]
        time.sleep(0.5)  # let the watcher settle
        source.write_text(text.replace("Symptoms include", "Symptoms often include"), encoding="utf-8")
        _until(lambda: c.get("/files/en/facial-nerve-hemispasm.large.pdf").headers["etag"] != etag)
        _until(lambda: server.app.state.services.builder.current()[2].state == "idle")
        assert "Symptoms often include" in c.get("/conditions/en/facial-nerve-hemispasm").text
        assert b"Symptoms often include" in (out / "html/en/facial-nerve-hemispasm.html").read_bytes()
        # a broken edit: the page shows the problem (with its line) instead of an error page
        source.write_text(text.replace("title: Facial Nerve Hemispasm\n", ""), encoding="utf-8")
        _until(lambda: "missing title" in c.get("/conditions/en/facial-nerve-hemispasm").text)
        page = c.get("/conditions/en/facial-nerve-hemispasm")
        assert page.status_code == 200
        assert "This file has errors" in page.text and "missing title" in page.text
        assert "Symptoms often include" in page.text  # the last good preview stays
        listed = c.get("/api/conditions/en/facial-nerve-hemispasm").json()
        assert listed["has_errors"] is True and listed["title"] == "Facial Nerve Hemispasm"
        assert any("missing title" in p["message"] for p in listed["problem_list"])
        assert c.get("/files/en/facial-nerve-hemispasm.large.pdf").status_code == 200
        source.write_text(text, encoding="utf-8")
        _until(lambda: c.get("/api/conditions/en/facial-nerve-hemispasm").json()["has_errors"] is False)
        _until(lambda: server.app.state.services.builder.current()[2].state == "idle")


def test_initial_build_shows_progress_in_pages_and_api(tmp_path: Path):
    """A first build of everything (nothing built yet): pages show a progress bar meanwhile."""
    content, out = copy_project(tmp_path)
    seen: list[tuple[int, int]] = []
    pages: list[str] = []
    with running(content, out, build_on_start=True) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = c.get("/api/status").json()
            if status["state"] == "building" and status["total"]:
                seen.append((status["done"], status["total"]))
                pages.append(c.get("/").text)
            if status["builds"] >= 1:
                break
            time.sleep(0.05)
        _wait(server, 1)
        assert c.get("/api/status").json()["summary"].startswith("Last build at")
        assert c.get("/files/en/facial-nerve-hemispasm.large.pdf").status_code == 200
    # 4 pages, 4 leaflets, 4 booklets (PDF + EPUB each); the standard leaflets and booklets
    # make their braille files in the same job, from the same layout
    assert seen and seen[-1][1] == 12
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    building = [p for p in pages if 'id="build-progress"' in p]
    assert building and "Building the files that changed" in building[0]
    assert re.search(
        r'<label id="build-count" for="build-progress" data-template="[^"]+">\d+ of 12 '
        r"outputs done</label>",
        building[0],
    )


# --------------------------------------------------------------------------- command line


def test_cli_serve_warns_on_0000_and_stops_on_ctrl_c(tmp_path: Path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from benech_publish.cli import main; main()",
            "serve",
            "--content",
            str(ROOTS / "basic"),
            "--out",
            str(out),
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--no-watch",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
    )
    try:
        assert proc.stderr is not None
        warning = proc.stderr.readline()
        assert warning.startswith("warning: listening on 0.0.0.0: the catalogue")
        serving = proc.stderr.readline()
        assert serving.startswith("serving ") and "http://127.0.0.1:" in serving
        url = serving.split(" on ", 1)[1].split(" ", 1)[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(url + "api/status", timeout=5).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_serve_port_in_use_is_one_line_and_exit_2(capsys, tmp_path: Path):
    from benech_publish.cli import main

    with running(ROOTS / "basic", tmp_path) as server:
        with pytest.raises(SystemExit) as info:
            main(
                [
                    "serve",
                    "--content",
                    str(ROOTS / "basic"),
                    "--out",
                    str(tmp_path),
                    "--port",
                    str(server.port),
                    "--no-watch",
                ]
            )
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.strip().splitlines()[-1].startswith(f"error: cannot listen on 127.0.0.1:{server.port}")
    assert "Traceback" not in err


@pytest.mark.parametrize("changed", ["content/site.yaml", "content/images/logo.svg", "templates/css/clinic.css"])
def test_site_yaml_images_and_template_overrides_start_a_rebuild(tmp_path: Path, changed: str):
    content, out = copy_project(tmp_path)
    options = Options(formats=("html",), include_drafts=True, incremental=True)
    target = tmp_path / changed
    target.parent.mkdir(parents=True, exist_ok=True)
    with running(content, out, watch=True, options=options) as server:
        builder = server.app.state.services.builder
        time.sleep(0.5)  # let the watcher settle
        assert builder.current()[2].builds == 0
        target.write_text((target.read_text(encoding="utf-8") if target.exists() else "") + "\n", encoding="utf-8")
        _wait(server, 1, timeout=120)
        assert (out / "html/en/facial-nerve-hemispasm.html").is_file()


def test_braille_files_are_offered_where_built(tmp_path: Path, shipped_out: Path):
    content, out = copy_project(tmp_path, shipped_out)
    braille = out / "braille" / "it"
    assert (braille / "emispasmo-facciale.brf").is_file()  # the build makes braille
    with running(content, out) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        html = c.get("/conditions/it/emispasmo-facciale").text
        assert 'href="/files/it/emispasmo-facciale.brf" download>Braille, per stampanti braille (BRF)</a>' in html
        assert 'href="/files/it/booklet.brf" download>Opuscolo in braille, per stampanti braille (BRF)</a>' in html
        entry = c.get("/api/conditions/it/emispasmo-facciale").json()
        kinds = {(o["kind"], o["format"]) for o in entry["outputs"]}
        assert {("braille", "brf"), ("braille", "pef")} <= kinds
        r = c.get("/files/it/emispasmo-facciale.brf")
        assert r.headers["content-type"] == "text/plain; charset=us-ascii"
        assert r.content == (braille / "emispasmo-facciale.brf").read_bytes()
        assert c.get("/files/it/emispasmo-facciale.pef").headers["content-type"] == "application/x-pef+xml"
        assert c.get("/files/it/emispasmo-facciale.large.brf").status_code == 404  # braille has no editions


def test_overdue_reviews_are_marked(tmp_path: Path):
    import datetime as dt

    with running(ROOTS / "basic", tmp_path, today=dt.date(2100, 1, 1)) as server:
        page = httpx.get(server.url).text
        data = httpx.get(server.url + "api/conditions").json()
    due = [c for c in data["conditions"] if c["review_due"]]
    assert due and "(overdue)" in page


def test_every_label_exists_in_every_language():
    assert UI["it"].keys() == UI["en"].keys()
    for words in UI.values():
        assert all(text.strip() for text in words.values())
