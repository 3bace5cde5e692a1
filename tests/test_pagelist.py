"""The EPUB page-list is tied to the PDF booklet of the same edition, exactly.

For every page of the PDF, the first words printed on that page (real content:
tagged artifacts such as the running header and page number are left out)
must be the first words after the page-break marker for that page in the EPUB.

"First words": the words of the first line of the page in content order, at
most three. Hyphens are ignored on both sides (a word hyphenated at a line end
is one word in the EPUB). One rule from ``benech_publish.pagelist``: when
hyphenation splits a word across two pages, the marker stands before the whole
word, so the first EPUB word after the marker *ends with* the fragment that
begins the page.
"""

from __future__ import annotations

import re

import pdfplumber
import pytest
from lxml import etree

from benech_publish.typeset import pagelist
from test_booklet_epub import EDITIONS, NS, Epub, all_epubs, built  # noqa: F401 (fixture)

HYPHENS = "-\u2010\u00ad"


def _strip(text: str) -> str:
    return re.sub(f"[{HYPHENS}\\s]", "", text)


def pdf_pages(path) -> list[dict]:
    """Per page: its first-line words (content order) and whether it starts inside a word."""
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            body = page.filter(lambda o: o.get("object_type") != "char" or o.get("tag") != "Artifact")
            words = body.extract_words(use_text_flow=True, keep_blank_chars=False)
            first_line = []
            if words:
                top = words[0]["top"]
                first_line = [w["text"] for w in words if abs(w["top"] - top) < 2][:3]
            out.append({"first": first_line, "last": words[-1]["text"] if words else ""})
    return out


def epub_after_marker(e: Epub, page: int) -> list[str]:
    """The words after marker ``page-N`` in the EPUB, following the spine."""
    href = e.nav.xpath(f"//x:nav[@epub:type='page-list']//x:a[text()='{page}']/@href", namespaces=NS)[0]
    doc_href, frag = href.split("#")
    spine = e.spine
    texts: list[str] = []
    doc = e.doc(doc_href)
    marker = doc.xpath(f"//*[@id='{frag}']")[0]
    texts += marker.xpath("following::text()")
    for later in spine[spine.index(doc_href) + 1 :]:
        if sum(len(t.split()) for t in texts) > 20:
            break
        texts += e.doc(later).xpath("//x:body//text()", namespaces=NS)
    return " ".join(texts).split()


def check_page_list(pdf_path, epub_path) -> int:
    pages = pdf_pages(pdf_path)
    e = Epub(epub_path)
    markers = e.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert len(markers) == len(pages)
    checked = 0
    for number, page in enumerate(pages, 1):
        if not page["first"]:
            continue
        after = epub_after_marker(e, number)
        expected = _strip("".join(page["first"]))
        got = _strip("".join(after))
        if got.startswith(expected):
            checked += 1
            continue
        previous = pages[number - 2]["last"] if number > 1 else ""
        fragment = _strip(page["first"][0])
        split_word = previous.endswith(tuple(HYPHENS)) and _strip(after[0]).endswith(fragment)
        # A web address broken across pages after "/" (never at a hyphen): the
        # marker precedes the whole address, as it does a hyphenated word.
        head = _strip(after[0])
        cut = got.find(expected)
        split_address = (
            re.match(r"https?:|www\.|\S*[/@]", head) is not None
            and 0 < cut < len(head)
            and head[:cut].endswith(tuple("/.@?&="))
        )
        if split_address:
            checked += 1
            continue
        assert split_word and got[len(_strip(after[0])) - len(fragment) :].startswith(expected), (
            f"page {number}: PDF begins {page['first']}, EPUB marker is followed by {after[:6]}"
        )
        checked += 1
    return checked


@pytest.mark.slow
@pytest.mark.parametrize("root,lang,suffix", all_epubs())
def test_every_pdf_page_begins_where_its_epub_marker_is(built, root, lang, suffix):
    b = built[root]
    checked = check_page_list(b.pdf(lang, suffix), b.epub(lang, suffix))
    assert checked >= 5


@pytest.mark.slow
def test_large_print_epub_follows_the_large_print_pdf_not_the_standard(built):
    b = built["booklet"]
    std, large = Epub(b.epub("en")), Epub(b.epub("en", ".large"))

    def positions(e: Epub) -> list[tuple[str, str]]:
        out = []
        for a in e.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS):
            doc_href, frag = a.get("href").split("#")
            marker = e.doc(doc_href).xpath(f"//*[@id='{frag}']")[0]
            out.append((doc_href, " ".join(" ".join(marker.xpath("following::text()")).split()[:5])))
        return out

    assert len(positions(large)) > len(positions(std))
    assert positions(large) != positions(std)[: len(positions(large))]
    # Large matches large; standard would not match large.
    check_page_list(b.pdf("en", ".large"), b.epub("en", ".large"))
    with pytest.raises(AssertionError):
        check_page_list(b.pdf("en"), b.epub("en", ".large"))


def test_word_split_by_hyphenation_across_pages_gets_its_marker_before_the_word():
    """A page that begins inside a hyphenated word: the marker precedes the whole word."""
    import weasyprint

    body = (
        "<p>Electroencephalographically electroencephalographically "
        "electroencephalographically electroencephalographically</p>"
    )
    print_root = _tree(body)
    print_root.set("lang", "en")
    stamped = pagelist.stamp(print_root)
    html = etree.tostring(print_root, encoding="unicode")
    css = weasyprint.CSS(
        string="@page { size: 32mm 9mm; margin: 2mm } "
        "body { font: 10pt/12pt sans-serif; hyphens: auto; margin: 0 } p { margin: 0; orphans: 1; widows: 1 }"
    )
    document = weasyprint.HTML(string=html).render(stylesheets=[css])
    starts = pagelist.page_starts(document, stamped.texts)
    assert len(starts) == len(document.pages) >= 3
    texts = [[b.text for b in page._page_box.descendants() if hasattr(b, "text")] for page in document.pages]
    split = [n for n, t in enumerate(texts[:-1]) if t and t[-1].endswith(("-", "\u2010"))]
    assert split, "the layout should hyphenate at a page end"
    epub_root = _tree(body)
    epub_stamped = pagelist.stamp(epub_root)
    pagelist.insert_markers(epub_stamped, starts)
    for n in split:
        page = n + 2  # the page after the split
        marker = epub_root.xpath(f"//*[@id='page-{page}']")[0]
        word = " ".join(marker.xpath("following::text()")).split()[0]
        assert word.lower().startswith("electro")
        fragment = texts[n + 1][0].split()[0]
        assert word.endswith(fragment), (word, fragment)


# --------------------------------------------------------------------------- pure functions

X = "http://www.w3.org/1999/xhtml"


def _tree(body: str):
    return etree.fromstring(f'<html xmlns="{X}"><body><section data-unit="u">{body}</section></body></html>')


def _text(root) -> str:
    return etree.tostring(root.find(f"{{{X}}}body/{{{X}}}section"), encoding="unicode", with_tail=False).replace(
        f' xmlns="{X}"', ""
    )


def _insert(body: str, key: str, offset: int) -> str:
    root = _tree(body)
    stamped = pagelist.stamp(root)
    pagelist.insert_markers(stamped, [pagelist.PageStart(7, key, offset)])
    pagelist.unstamp(root)
    return re.sub(r' xmlns:epub="[^"]+"', "", re.sub(r"<span [^>]*page-7[^>]*/>", "|", _text(root)))


def test_stamp_gives_each_block_its_own_text():
    root = _tree("<h1>Title</h1><ul><li>one <em>two</em></li><li><p>three</p>x</li></ul>")
    s = pagelist.stamp(root)
    assert s.texts == {"u/0": "", "u/1": "Title", "u/2": "", "u/3": "onetwo", "u/4": "x", "u/5": "three"}


def test_marker_before_a_block_or_inside_a_list_item():
    assert _insert("<p>Alpha beta</p>", "u/1", 0) == "<section>|<p>Alpha beta</p></section>"
    assert _insert("<ul><li>Alpha</li></ul>", "u/2", 0) == "<section><ul><li>|Alpha</li></ul></section>"


def test_marker_before_the_word_and_before_an_inline_element():
    assert _insert("<p>Alpha beta gamma</p>", "u/1", 5) == "<section><p>Alpha |beta gamma</p></section>"
    # Offset inside a word (hyphenation split "be-|ta"): before the whole word.
    assert _insert("<p>Alpha beta gamma</p>", "u/1", 7) == "<section><p>Alpha |beta gamma</p></section>"
    assert (
        _insert("<p>Alpha <a href='#x'>beta</a> gamma</p>", "u/1", 5)
        == '<section><p>Alpha |<a href="#x">beta</a> gamma</p></section>'
    )
    assert (
        _insert("<p>Alpha <em>be</em>ta gamma</p>", "u/1", 7) == "<section><p>Alpha |<em>be</em>ta gamma</p></section>"
    )


def test_mismatch_between_layout_and_source_is_an_error():
    with pytest.raises(pagelist.PageListError):
        pagelist._advance("abc", 0, "abx", "-", "u/1")
    assert pagelist._advance("abc", 0, "ab-", "-", "u/1") == 2  # a hyphenation hyphen


def test_marker_never_enters_an_accessible_name():
    """th, dt, headings and link text take their name from their content: no marker inside."""
    # A definition term: at the end of the previous definition, not "6 Last updated".
    assert (
        _insert("<dl><dt>One</dt><dd>1</dd><dt>Last updated</dt><dd>x</dd></dl>", "u/4", 0)
        == "<section><dl><dt>One</dt><dd>1|</dd><dt>Last updated</dt><dd>x</dd></dl></section>"
    )
    # The first term of a list: before the list.
    assert (
        _insert("<dl><dt>Last updated</dt><dd>x</dd></dl>", "u/2", 0)
        == "<section>|<dl><dt>Last updated</dt><dd>x</dd></dl></section>"
    )
    # A column header: before the table, not "9 Week" on every cell.
    table = "<table><thead><tr><th>Week</th><th>Dose</th></tr></thead></table>"
    assert _insert(table, "u/4", 0) == f"<section>|{table}</section>"
    # A row header of a later row: at the end of the row before it.
    table = "<table><tbody><tr><th>Mon</th><td>rest</td></tr><tr><th>Tue</th><td>walk</td></tr></tbody></table>"
    assert _insert(table, "u/7", 0) == "<section>" + table.replace("rest</td>", "rest|</td>") + "</section>"
    # Inside a heading or a link: before it.
    assert _insert("<h2>Alpha beta</h2>", "u/1", 5) == "<section>|<h2>Alpha beta</h2></section>"
    assert (
        _insert("<p>Alpha <a href='#x'>beta gamma</a></p>", "u/1", 9)
        == '<section><p>Alpha |<a href="#x">beta gamma</a></p></section>'
    )
