"""Issue 11, importer part: every failure class of the review, retried with new inputs.

* output names only from a sanitised slug or the title (never a path from the page);
* ``--lang`` validated;
* redirects only within the origin asked (another port, another host, another scheme);
* one deadline for the whole download (a trickling server);
* images only from the origin asked or hosts listed, never from loopback/private
  addresses of another origin, never from link-local ones, never written as addresses;
* collision-safe image names (content hash);
* a bound on nesting depth and work per page that answers in seconds.

Network tests use only servers on 127.0.0.1 (``wp_server.LocalSite``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benech_publish.cli import main
from benech_publish.errors import ConfigError, ImportError_
from benech_publish.importer import import_wordpress
from benech_publish.importer.clean import MAX_DEPTH
from wp_pages import block_page, make_content, png
from wp_server import LocalSite

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def page(html: str = "<h2 id='a'>A</h2><p>Text.</p>", **changes) -> dict:
    value = block_page()
    value["content"]["rendered"] = html
    value.update(changes)
    return value


# --------------------------------------------------------------------------- output names

HOSTILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "x/../../../../escaped",
            "../../etc/passwd",
            "/etc/hostname",
            "..",
            ".",
            "%2e%2e%2f%2e%2e%2fx",
            "a\\..\\..\\b",
            "C:\\x",
            "con",
            "x\x00y",
            "",
            " ",
            "\u202e",
            "中文",
            "--",
            "a" * 300,
            "UPPER Case",
            "ünïcödé-slug",
            "~/x",
        ]
    ),
    st.text(alphabet=st.sampled_from(list("./\\%~-_ aZ9\x00\u00e9中")), max_size=40),
)


@SETTINGS
@given(slug=HOSTILE_NAMES, title=HOSTILE_NAMES, page_id=HOSTILE_NAMES)
def test_output_names_come_only_from_a_sanitised_slug_or_title(
    tmp_path_factory, slug: str, title: str, page_id: str
) -> None:
    root = tmp_path_factory.mktemp("names")
    content = make_content(root)
    source = root / "p.json"
    source.write_text(json.dumps(page(slug=slug, id=page_id, title={"rendered": title})))
    before = files_under(root)
    report = import_wordpress(source, content)
    [result] = report.pages
    new = files_under(root) - before
    for path in new:
        rel = path.relative_to(content)  # raises if outside content/
        assert re.fullmatch(r"en/[a-z0-9]+(-[a-z0-9]+)*\.md", rel.as_posix()), rel
    if result.status == "written":
        assert len(new) == 1
    else:
        assert result.status == "failed" and not new
        assert "no usable slug or title" in result.reason


def test_an_id_path_with_no_slug_and_no_title_is_refused(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    source = tmp_path / "p.json"
    source.write_text(
        json.dumps([page(slug="", id="x/../../../../escaped", title={"rendered": ""}), page(slug="ok-page")])
    )
    before = files_under(tmp_path)
    report = import_wordpress(source, content)
    assert [p.status for p in report.pages] == ["failed", "written"]
    assert "no usable slug or title" in report.pages[0].reason
    assert files_under(tmp_path) - before == {content / "en" / "ok-page.md"}


# --------------------------------------------------------------------------- --lang

BAD_LANGS = st.one_of(
    st.sampled_from(["../../../x", "EN", "e n", "it/..", "english", "x", "1", "../it", "it\x00", "ıt", "en-GB"]),
    st.text(max_size=12).filter(lambda s: not re.fullmatch(r"[a-z]{2,3}", s) and s != ""),
)


@SETTINGS
@given(lang=BAD_LANGS)
def test_lang_is_validated(tmp_path_factory, lang: str) -> None:
    root = tmp_path_factory.mktemp("lang")
    content = make_content(root)
    source = root / "p.json"
    source.write_text(json.dumps(page()))
    before = files_under(root)
    with pytest.raises(ConfigError, match="not a language code"):
        import_wordpress(source, content, lang=lang)
    assert files_under(root) == before


def test_cli_lang_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    content = make_content(tmp_path)
    source = tmp_path / "p.json"
    source.write_text(json.dumps(page()))
    with pytest.raises(SystemExit) as exit_:
        main(["import", "wordpress", str(source), "--content", str(content), "--lang", "../../../x"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "not a language code" in err and "Traceback" not in err
    assert not (content / "en").exists() and not (tmp_path / "x").exists()


def test_a_language_the_site_does_not_have_is_refused(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    source = tmp_path / "p.json"
    source.write_text(json.dumps(page()))
    [result] = import_wordpress(source, content, lang="fr").pages
    assert result.status == "failed" and "not one of the site's languages" in result.reason
    assert not (content / "fr").exists()


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("target", ["other-port", "other-host", "file", "same-origin"])
def test_redirects_stay_within_the_origin_asked(tmp_path: Path, target: str) -> None:
    content = make_content(tmp_path)
    body = json.dumps(page()).encode()
    with LocalSite() as asked, LocalSite() as other:
        other.route("/pages", body)
        asked.route("/ok", body)
        location = {
            "other-port": other.base + "/pages",
            "other-host": f"http://localhost:{asked.port}/ok",
            "file": "file:///etc/passwd",
            "same-origin": "/ok",
        }[target]
        url = asked.route("/pages", b"", status=302, location=location)
        if target == "same-origin":
            assert import_wordpress(url, content).pages[0].status == "written"
            return
        with pytest.raises(ImportError_, match="refused a redirect to"):
            import_wordpress(url, content)
        assert other.requests == []
    assert not (content / "en").exists()


def test_too_many_redirects(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    with LocalSite() as site:
        url = site.route("/loop", status=302, location="/loop")
        with pytest.raises(ImportError_, match="more than 5 redirects"):
            import_wordpress(url, content)
        assert len(site.requests) == 6


# --------------------------------------------------------------------------- deadline


@pytest.mark.parametrize("timeout", [0.6, 1.0])
def test_one_deadline_for_the_whole_download(tmp_path: Path, timeout: float) -> None:
    """A server sending one byte every 0.1 s: each read is quick, the download is not."""
    content = make_content(tmp_path)
    with LocalSite() as site:
        url = site.route("/slow", json.dumps(page()).encode(), trickle=0.1)
        started = time.monotonic()
        with pytest.raises(ImportError_, match=f"no answer within {timeout:g} s"):
            import_wordpress(url, content, timeout=timeout)
        assert time.monotonic() - started < timeout + 2.0


# --------------------------------------------------------------------------- image origins


def _figure_page(base: str, *srcs: str) -> dict:
    html = "<h2 id='a'>A</h2><p>Text.</p>" + "".join(
        f"<figure><img src='{s}' alt='Image {i}'></figure>" for i, s in enumerate(srcs)
    )
    return page(html, link=f"{base}/en/p/", slug="p")


def test_images_come_from_the_origin_asked_not_the_pages_link(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    with LocalSite() as asked, LocalSite() as elsewhere:
        elsewhere.route("/i.png", png((9, 9, 9)), "image/png")
        asked.route("/mine.png", png((1, 1, 1)), "image/png")
        # the JSON's own link names the other server: its relative images resolve there
        value = _figure_page(elsewhere.base, "/i.png", f"{asked.base}/mine.png")
        url = asked.route("/pages", json.dumps(value).encode())
        [result] = import_wordpress(url, content).pages
        # listing the other (loopback) host does not make it fetchable: only the origin asked
        # may be on a private network
        [again] = import_wordpress(url, content, force=True, image_hosts=[f"127.0.0.1:{elsewhere.port}"]).pages
        assert elsewhere.requests == []
    saved = sorted(p.name for p in (content / "images" / "p").iterdir())
    assert len(saved) == 1 and saved[0].startswith("mine-")
    review = "\n".join(result.review)
    assert f"it is on http://127.0.0.1:{elsewhere.port}, not on {asked.base}" in review
    assert "loopback address" in "\n".join(again.review)
    text = result.path.read_text(encoding="utf-8").split("---", 2)[2]
    assert "127.0.0.1" not in text


@pytest.mark.parametrize(
    "src", ["http://169.254.169.254/latest/meta-data/x.png", "http://[fe80::1]/x.png", "http://169.254.1.1:8080/y.jpg"]
)
def test_link_local_images_are_never_fetched_nor_written(tmp_path: Path, src: str) -> None:
    content = make_content(tmp_path)
    host = re.match(r"http://([^/]+)/", src).group(1)
    with LocalSite() as site:
        url = site.route("/pages", json.dumps(_figure_page(site.base, src)).encode())
        [result] = import_wordpress(url, content, image_hosts=[host]).pages
    text = result.path.read_text(encoding="utf-8")
    assert "169.254" not in text and "fe80" not in text
    assert re.search(r"\]\(\.\./images/p/[a-z0-9-]+-[0-9a-f]{12}\.(png|jpg)\)", text)
    assert any("link-local" in r for r in result.review), result.review


def test_private_address_of_a_listed_host_is_refused(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    source = tmp_path / "p.json"
    source.write_text(
        json.dumps(
            _figure_page("https://www.benech-neurochirurgia.it", "http://10.1.2.3/a.png", "http://localhost:1/b.png")
        )
    )
    [result] = import_wordpress(source, content, image_hosts=["10.1.2.3", "localhost:1"]).pages
    review = "\n".join(result.review)
    assert "10.1.2.3 is a private or reserved address" in review
    assert "localhost is a loopback address" in review


def test_two_images_with_the_same_name_stay_two_files(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    first, second = png((200, 0, 0)), png((0, 200, 0))
    with LocalSite() as site:
        site.route("/a/photo.png", first, "image/png")
        site.route("/b/photo.png", second, "image/png")
        value = _figure_page(
            site.base, f"{site.base}/a/photo.png", f"{site.base}/b/photo.png", f"{site.base}/a/photo.png"
        )
        url = site.route("/pages", json.dumps(value).encode())
        import_wordpress(url, content)
        files = {p.name: p.read_bytes() for p in (content / "images" / "p").iterdir()}
        import_wordpress(url, content, force=True)
        again = {p.name: p.read_bytes() for p in (content / "images" / "p").iterdir()}
    assert sorted(files.values()) == sorted([first, second]) and again == files
    assert all(re.fullmatch(r"photo-[0-9a-f]{12}\.png", name) for name in files)
    text = (content / "en" / "p.md").read_text(encoding="utf-8")
    assert len(set(re.findall(r"images/p/(photo-[0-9a-f]{12}\.png)", text))) == 2


# --------------------------------------------------------------------------- nesting and work


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 100_000 + "x" + "</div>" * 100_000,
        "<b>" * 50_000 + "x",
        "<span><i>" * 30_000 + "x",
        "<div></i>" * 20_000 + "x",  # stray end tags do not hide the depth
        "<p>x</p>" * 40_000,  # flat but too many elements
        "".join(f"<b id='{i}'>" for i in range(90)) + "<p>x</p>" * 2_000,  # copied formatting
    ],
)
def test_deep_or_huge_pages_answer_in_seconds(tmp_path: Path, html: str) -> None:
    content = make_content(tmp_path)
    source = tmp_path / "p.json"
    source.write_text(json.dumps([page(html, slug="deep"), page(slug="fine")]))
    started = time.monotonic()
    report = import_wordpress(source, content)
    assert time.monotonic() - started < 30
    assert [p.status for p in report.pages] == ["failed", "written"]
    assert re.search(r"nested too deeply|too many elements", report.pages[0].reason)


def test_nesting_up_to_the_limit_still_imports(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    depth = MAX_DEPTH - 5
    html = "<h2 id='a'>A</h2>" + "<div>" * depth + "<p>Deep text.</p>" + "</div>" * depth
    source = tmp_path / "p.json"
    source.write_text(json.dumps(page(html, slug="deep")))
    [result] = import_wordpress(source, content).pages
    assert result.status == "written"
    assert "Deep text." in result.path.read_text(encoding="utf-8")


def test_nothing_is_written_outside_the_content_folder_by_a_hostile_batch(tmp_path: Path) -> None:
    """The review's escapes together, in one batch, next to a valid page."""
    content = make_content(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, content / "en")  # even a symlinked language folder is refused
    source = tmp_path / "p.json"
    source.write_text(json.dumps([page(slug="ok")]))
    before = files_under(tmp_path)
    [result] = import_wordpress(source, content).pages
    assert result.status == "failed" and "outside" in result.reason
    assert files_under(tmp_path) == before


def test_a_shortcode_flood_answers_in_seconds_with_one_note_per_kind(tmp_path: Path) -> None:
    content = make_content(tmp_path)
    html = "<h2 id='a'>A</h2><p>" + "[x_y a=1] " * 20_000 + "[/z]</p>" + "[gallery]" * 5_000
    source = tmp_path / "p.json"
    source.write_text(json.dumps(page(html, slug="flood")))
    started = time.monotonic()
    [result] = import_wordpress(source, content).pages
    assert time.monotonic() - started < 30
    assert result.status == "written"
    assert "[x_y] shortcode dropped (a plugin's content, not available) ×20000" in result.review
    assert "[gallery] shortcode dropped: add its images as figures with alt text ×5000" in result.review
    assert "[x_y" not in result.path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("case", ["redirect", "deep", "names", "trickle"])
def test_cli_one_clear_line_non_zero_exit_no_traceback(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture
) -> None:
    content = make_content(tmp_path)
    before = files_under(tmp_path)
    with LocalSite() as asked, LocalSite() as other:
        other.route("/p", json.dumps(page()).encode())
        if case == "redirect":
            source = asked.route("/p", status=301, location=other.base + "/p")
        elif case == "trickle":
            source = asked.route("/p", json.dumps(page()).encode(), trickle=0.2)
        else:
            value = (
                page("<div>" * 5_000, slug="deep")
                if case == "deep"
                else page(slug="", id="../../../y", title={"rendered": "///"})
            )
            source = asked.route("/p", json.dumps(value).encode())
        with pytest.raises(SystemExit) as exit_:
            main(["import", "wordpress", source, "--content", str(content), "--timeout", "1"])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    if case in ("redirect", "trickle"):
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
        assert ("refused a redirect" if case == "redirect" else "no answer within 1 s") in lines[0]
    else:
        assert lines[0].startswith(f"{source}: failed: "), lines
        assert ("nested too deeply" if case == "deep" else "no usable slug or title") in lines[0]
    assert files_under(tmp_path) == before


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_https_certificates_are_verified(tmp_path: Path) -> None:
    """The pinned HTTPS connection still checks the certificate (a self-signed one fails)."""
    import ssl

    content = make_content(tmp_path)
    cert, key = _self_signed(tmp_path)
    site = LocalSite()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    site.httpd.socket = context.wrap_socket(site.httpd.socket, server_side=True)
    with site:
        site.route("/p", json.dumps(page()).encode())
        with pytest.raises(ImportError_, match="secure connection failed: CERTIFICATE_VERIFY_FAILED"):
            import_wordpress(f"https://127.0.0.1:{site.port}/p", content, timeout=5)
    assert not (content / "en").exists()
