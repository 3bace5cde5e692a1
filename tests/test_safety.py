"""The confinement rule, the SVG allowlist, the URL policy, and the public API's arguments.

Use-time checks are tested with models built in Python, bypassing the
loader: the writers and the renderer must refuse on their own (defence in
depth), not only because ``check`` already reported the problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benech_publish import (
    BenechError,
    ConfigError,
    Options,
    Renderer,
    RenderError,
    build,
    edition,
    load,
    load_content,
    plan,
    run,
    safety,
    svg,
    urls,
)
from benech_publish import model as m
from benech_publish.render import inline_html
from benech_publish.writers import Context
from benech_publish.writers.html import write_page
from conftest import ROOTS

SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


@pytest.fixture
def basic(tmp_path: Path) -> Path:
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    (tmp_path / "secret.txt").write_text("secret-81c2")
    return root


def page(
    condition: m.Condition, site: m.Site, root: Path, renderer: Renderer | None = None, options: Options | None = None
) -> bytes:
    options = options or Options()
    ctx = Context(renderer or Renderer(options.templates), options, root, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return write_page(condition, site, edition("standard"), ctx)


def alpha(root: Path) -> tuple[m.Content, m.Condition]:
    content = load_content(root, today=dt.date(2026, 1, 1))
    return content, next(c for c in content.conditions if c.lang == "en")


# --------------------------------------------------------------------------- confinement


def test_resolve_reference_follows_links_and_refuses_escapes(basic: Path):
    (basic / "images" / "inside.svg").symlink_to("scan.svg")
    (basic / "images" / "out.svg").symlink_to("../../secret.txt")
    (basic / "images" / "loop.svg").symlink_to("loop.svg")
    for ref, expected in [("images", "not a regular file"), ("images/nope.png", "not found")]:
        path, problem = safety.resolve_reference(basic, ref)  # inside: the path is given back
        assert path == (basic / ref).resolve() and expected in problem, (ref, problem)
    ok, problem = safety.resolve_reference(basic, "images/inside.svg")
    assert problem == "" and ok == (basic / "images" / "scan.svg").resolve()
    for ref, expected in [
        ("images/out.svg", "outside the content folder (through a symbolic link)"),
        ("../secret.txt", "outside the content folder"),
        ("/etc/hostname", "not an absolute path"),
        ("file:///etc/hostname", "not an address"),
        ("//host/share/x.png", "not an address"),
        ("images/a\x00b.png", "control characters"),
        ("", "empty"),
        ("images/loop.svg", ""),
    ]:
        path, problem = safety.resolve_reference(basic, ref)
        assert path is None and expected in problem, (ref, problem)


def test_writers_refuse_images_outside_even_when_the_model_says_otherwise(basic: Path):
    """A model built in Python (no loader) cannot make a writer embed an outside file."""
    content, condition = alpha(basic)
    site = dataclasses.replace(content.site, logo=m.Logo(src="../secret.txt", alt={"*": "x"}))
    with pytest.raises(RenderError, match="outside the content folder"):
        page(condition, site, basic)
    site = dataclasses.replace(content.site, logo=m.Logo(src="/etc/hostname", alt={"*": "x"}))
    with pytest.raises(RenderError, match="absolute path"):
        page(condition, site, basic)


def test_svg_changed_after_check_is_refused_at_use_time(basic: Path):
    content, condition = alpha(basic)
    (basic / "images" / "scan.svg").write_text(SVG_HEAD + "<script>alert(1)</script></svg>")
    with pytest.raises(RenderError, match="contains <script>"):
        page(condition, content.site, basic)
    assert b"<script" not in svg.sanitize((basic / "images" / "logo.svg").read_bytes())


def test_every_writer_uses_the_same_rule(basic: Path):
    (basic / "images" / "scan.svg").write_text(SVG_HEAD + '<image href="../../secret.txt"/></svg>')
    writer = Context(Renderer(), Options(), basic, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(RenderError, match=r"refers to '\.\./\.\./secret\.txt'"):
        writer.asset_url("images/scan.svg")
    with pytest.raises(RenderError, match="outside the content folder"):
        writer.asset_url("../secret.txt")
    with pytest.raises(RenderError, match="outside the content folder"):
        safety.image_bytes(basic, "images/../../secret.txt")


def test_asset_urls_are_reused_only_for_the_same_unchanged_file(basic: Path):
    """A context reuses the data: URL of a file it has seen, unchanged; every use still
    resolves and confines the reference, and a changed or swapped file is read again."""
    writer = Context(Renderer(), Options(), basic, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    logo = basic / "images" / "logo.svg"
    first = writer.asset_url("images/logo.svg")
    assert first == safety.image_data_uri(basic, "images/logo.svg")
    assert writer.asset_url("images/logo.svg") == first
    logo.write_text(SVG_HEAD + '<rect width="7" height="7"/></svg>')  # changed: size and time
    changed = writer.asset_url("images/logo.svg")
    assert changed != first and changed == safety.image_data_uri(basic, "images/logo.svg")
    logo.write_text(SVG_HEAD + "<script>alert(1)</script></svg>")  # changed to something refused
    with pytest.raises(RenderError, match="contains <script>"):
        writer.asset_url("images/logo.svg")
    logo.unlink()
    logo.symlink_to("../../secret.txt")  # swapped for a link out of the folder
    with pytest.raises(RenderError, match="outside the content folder"):
        writer.asset_url("images/logo.svg")


def test_pdf_draws_and_epub_carries_only_the_sanitised_svg(basic: Path, tmp_path: Path):
    """An SVG with editor data builds: the PDF still draws it (its fill colour is in a
    content stream) and the EPUB holds the allowlisted copy, not the original bytes."""
    import zipfile

    import pikepdf

    (basic / "images" / "scan.svg").write_text(
        SVG_HEAD.replace(
            ">",
            ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
            'inkscape:label="marker-9d1e" width="120" height="80">',
            1,
        )
        + '<metadata>marker-4b7a</metadata><!-- marker-comment --><rect width="120" height="80" '
        'fill="#123456" data-name="marker-0c55"/></svg>'
    )
    build(basic, tmp_path / "out", Options(formats=("pdf", "epub"), editions=("standard",), languages=("en",)))
    with pikepdf.open(tmp_path / "out" / "pdf" / "en" / "alpha.pdf") as doc:
        streams = b"".join(
            obj.read_bytes()
            for obj in doc.objects
            if isinstance(obj, pikepdf.Stream) and "/Filter" in obj and obj.Filter == pikepdf.Name.FlateDecode
        )
    assert b"0.070588 0.203922 0.337255 rg" in streams  # #123456: the image was drawn
    with zipfile.ZipFile(tmp_path / "out" / "epub" / "en" / "booklet.epub") as epub:
        image = epub.read("EPUB/images/scan.svg")
    assert b'<rect width="120" height="80" fill="#123456"/>' in image
    assert b"marker-" not in image and b"inkscape" not in image


def test_svg_allowlist_keeps_drawing_and_drops_editor_data():
    clean = svg.sanitize(
        (
            SVG_HEAD + '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/>'
            '</linearGradient></defs><sodipodi:namedview xmlns:sodipodi="urn:x"/>'
            '<rect width="5" height="5" fill="url(#g)" data-x="1" xml:space="preserve"/>'
            '<use xlink:href="#g"/></svg>'
        ).encode()
    )
    assert b'fill="url(#g)"' in clean and b'xlink:href="#g"' in clean
    assert b"namedview" not in clean and b"data-x" not in clean


@pytest.mark.parametrize(
    "body, problem",
    [
        ('<a href="https://x.example"><rect/></a>', "<a>"),
        ('<animate attributeName="href" to="javascript:alert(1)"/>', "<animate>"),
        ('<image xlink:href="data:image/svg+xml;base64,PHN2Zy8+"/>', "refers to"),
        ('<rect style="background:url(//x.example/a.png)"/>', "refers to"),
        ('<style>rect{fill:url("http://x/#a")}</style>', "refers to"),
        ("<style>@font-face{src:url(#a)}</style>", "@font-face"),
        ('<rect ONMOUSEOVER="x()"/>', "event handler"),
        ("<text><tspan>ok</tspan><iframe/></text>", "<iframe>"),
        ("<unknownThing/>", "not a drawing element"),
    ],
)
def test_svg_allowlist_refuses(body: str, problem: str):
    with pytest.raises(svg.SvgProblem, match=problem.replace("(", r"\(")):
        svg.sanitize((SVG_HEAD + body + "</svg>").encode())


def test_templates_folder_is_confined(basic: Path, tmp_path: Path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (tmp_path / "evil.xhtml").write_text("{{ site.name }}")
    (templates / "page.xhtml").symlink_to(tmp_path / "evil.xhtml")
    with pytest.raises(ConfigError, match="outside the folder"):
        Options(templates=templates)
    # Use time: a link made after the options were checked is refused by the loader itself.
    (templates / "page.xhtml").unlink()
    options = Options(templates=templates)
    (templates / "page.xhtml").symlink_to(tmp_path / "evil.xhtml")
    content, condition = alpha(basic)
    with pytest.raises(ConfigError, match="outside the folder"):
        page(condition, content.site, basic, options=options)


# --------------------------------------------------------------------------- URL policy


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "JAVASCRIPT:x",
        "java\nscript:x",
        "data:text/html,x",
        "file:///etc/passwd",
        "vbscript:x",
        "//host/x",
        "https:/x",
        "https://",
        "http://a b/",
        "https://u:p@host/",
        "https://host:99999/",
        "ftp://host/",
        "mailto:x",
        "tel:abc",
        "",
        "https://host/\u2028",
        "https://h\u202eost/",
        "x" * 3000,
    ],
)
def test_url_policy_refuses(value: str):
    assert urls.check_url(value, urls.LINK_SCHEMES)
    with pytest.raises(RenderError):
        urls.safe_href(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://clinic.example/it/a?b=c#d",
        "http://localhost:8080/",
        "mailto:info@clinic.example",
        "tel:+390110000000",
        "https://xn--benech-9ya.example/",
        "https://[::1]/",
    ],
)
def test_url_policy_accepts(value: str):
    assert urls.check_url(value, urls.LINK_SCHEMES) == ""
    assert urls.safe_href(value) == value


def test_web_fields_accept_only_http():
    assert "only http:// or https://" in urls.check_url("mailto:a@b.example")
    assert urls.check_url("https://a.example") == ""


#: The host pattern as it was written before it was split in two (ASCII pattern + mapping).
_WIDE_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9\u00a0-\uffff](?:[A-Za-z0-9\u00a0-\uffff-]*[A-Za-z0-9\u00a0-\uffff])?\.?)+"
    r"(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$"
)
_HOST_CHARS = "aAzZ09-.:[]fF_ @\u0085\u009f\u00a0\u00e9\u00ff\u0100\u4e2d\ud7ff\ue000\ufffe\uffff\U00010000\U0001f600\n"


@settings(max_examples=400, deadline=None)
@given(host=st.text(alphabet=st.sampled_from(_HOST_CHARS), max_size=14))
def test_host_check_answers_as_the_pattern_with_the_wide_class(host: str):
    """The host check maps U+00A0..U+FFFF to one letter instead of compiling a class that
    spans them (7 ms at import, on every command): it accepts exactly the same hosts."""
    assert urls._valid_host(host) == (_WIDE_HOST_RE.match(host) is not None)


@pytest.mark.parametrize(
    "host, valid",
    [("ospedale-città.example", True), ("[::1]:8080", True), ("[é]", False), ("a\U0001f600.example", False)],
)
def test_host_check_hard_cases(host: str, valid: bool):
    assert urls._valid_host(host) is valid
    assert (_WIDE_HOST_RE.match(host) is not None) is valid


def test_renderer_refuses_unsafe_links_in_a_model_built_in_python(basic: Path):
    content, condition = alpha(basic)
    with pytest.raises(RenderError, match="javascript"):
        inline_html((m.Link("javascript:alert(1)", (m.Text("x"),)),))
    for bad in (dataclasses.replace(condition, source_url="javascript:alert(1)"),):
        with pytest.raises(RenderError, match="refusing to publish"):
            page(bad, content.site, basic)
    site = dataclasses.replace(
        content.site, contacts=dataclasses.replace(content.site.contacts, phone="1; javascript:alert(1)")
    )
    with pytest.raises(RenderError, match="phone number"):
        page(condition, site, basic)


@pytest.mark.parametrize(
    "markup, problem",
    [
        ('<a href="{{ condition.source_url }}">x</a>', "javascript"),
        ('<a href="java&#115;cript:alert(1)">x</a>', "javascript"),
        ("<a href='&#x6A;avascript:x'>x</a>", "javascript"),
        ('<img src="x.png" onerror="alert(1)"/>', "event handler"),
        ("<script>alert(1)</script>", "<script>"),
        ('<svg:foreignObject xmlns:svg="http://www.w3.org/2000/svg"/>', "<foreignobject>"),
        ('<meta http-equiv="refresh" content="0;url=https://x.example"/>', "refresh"),
        ('<img src="file:///etc/passwd"/>', "'file:'"),
        ('<a href="data:text/html,x">x</a>', "'data:'"),
        ('<img src="../../../etc/hostname"/>', "leaves the output"),
        ('<link rel="stylesheet" href="/etc/x.css"/>', "leaves the output"),
    ],
)
def test_user_templates_cannot_publish_unsafe_markup(basic: Path, tmp_path: Path, markup: str, problem: str):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.xhtml").write_text(f"<html><body>{markup}</body></html>")
    content, condition = alpha(basic)
    condition = dataclasses.replace(condition, source_url="javascript:alert(1)")
    with pytest.raises(RenderError, match=problem):
        page(condition, content.site, basic, Renderer(templates))


# --------------------------------------------------------------------------- the public API


@pytest.mark.parametrize(
    "call",
    [
        lambda: Options(formats="pdf"),
        lambda: Options(formats=None),
        lambda: Options(paper=None),
        lambda: Options(large_print_pt="18"),
        lambda: Options(standard_pt=float("nan")),
        lambda: Options(strict="yes"),
        lambda: Options(templates=3),
        lambda: Options(colour="red"),
        lambda: Options(languages=("../../x",)),
        lambda: Options(*range(20)),
        lambda: Options().with_(paperr="A5"),
        lambda: edition("huge"),
        lambda: edition(None),
        lambda: edition("large", None),
        lambda: load(None),
        lambda: load(42),
        lambda: load(""),
        lambda: load("c", today="2024-01-01"),
        lambda: load_content("c", strict="no"),
        lambda: plan("content", "out"),
        lambda: plan(m.Content(m.Site("x"), ()), None),
        lambda: plan(m.Content(m.Site("x"), ()), "out", {"formats": ("pdf",)}),
        lambda: plan(m.Content(m.Site("x"), ()), "out", failed_files="en/x.md"),
        lambda: run("jobs", m.Content(m.Site("x"), ())),
        lambda: run([], None),
        lambda: run([], m.Content(m.Site("x"), ()), renderer="r"),
        lambda: run([], m.Content(m.Site("x"), ()), created="2026-01-01"),
        lambda: build(None),
        lambda: build("c", "out", options=None),
        lambda: build("c", "out", today=20240101),
        lambda: build("c", "out", on_progress=3),
        lambda: Renderer(templates=42),
    ],
)
def test_api_raises_only_config_errors_for_bad_arguments(call, capsys):
    with pytest.raises(ConfigError):
        call()
    assert capsys.readouterr() == ("", "")


def test_build_into_a_file_is_a_config_error(basic: Path, tmp_path: Path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        build(basic, tmp_path / "out", Options(formats=("html",)))


def test_options_accept_lists_and_paths_as_documented(tmp_path: Path):
    options = Options(formats=["html"], languages=["en"], templates=str(tmp_path))
    assert options.formats == ("html",) and options.languages == ("en",)
    assert options.templates == tmp_path
    assert hash(options)  # still a frozen value


def test_load_never_raises_on_hostile_content_and_never_prints(basic: Path, capsys):
    (basic / "en" / "deep.md").write_text("---\nid: deep\ntitle: [" + "[" * 5000 + "\n---\n")
    (basic / "en" / "list.md").write_text(
        "---\nid: list\ntitle: L\n---\n\n## A {#a}\n\n"
        + "".join("  " * i + "- x\n" for i in range(400))
        + "> " * 3000
        + "x\n"
        + "*" * 10000
        + "\n"
    )
    (basic / "en" / "bin.md").write_bytes(bytes(range(256)) * 10)
    laughs = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    (basic / "en" / "laughs.md").write_text(
        "---\nid: laughs\nl0: &l0 lol\n" + laughs + "title: *l9\nreviewers: *l9\nstatus: *l9\n---\n"
    )
    result = load(basic)
    assert capsys.readouterr() == ("", "")
    assert any("nested too deeply" in d.message for d in result.errors)
    assert any(
        "laughs.md" in d.location.path and "'reviewers' must be a list of names" in d.message for d in result.errors
    )
    assert any(c.id == "alpha" for c in result.content.conditions)
    assert all(isinstance(e, BenechError) for e in [ConfigError("x")])
