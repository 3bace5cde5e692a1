"""Fuzzing the loader (hypothesis, bounded): hostile front matter and bodies never crash.

Each example writes a content folder with one valid condition and one random
file (random front matter of random types, bodies with control characters,
BOM, CRLF, U+2028, hostile anchors and links, impossible dates), then:

* :func:`load` returns: only library diagnostics, each one line naming its file
  (and line, for a file), never an exception, never printed output;
* the valid condition is still loaded;
* every condition the loader accepts renders to a well-formed web page
  with no unsafe address (what ``check`` passes, ``build`` can publish);
* a full HTML build writes nothing outside its output folder.

Bounded: about 30 s on one core (max_examples below, deadline=None).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from benech_publish import BuildError, Options, Renderer, build, edition, load
from benech_publish.writers import Context
from benech_publish.writers.html import write_page

SITE = """name: Fuzz Clinic
website: https://clinic.example
languages: [it, en]
contacts: {phone: "+39 011 000 0000", email: info@clinic.example}
"""
VALID = """---
id: valid
title: Valid
summary: A valid condition.
status: draft
---

## What it is {#definizione}

Text [with a link](https://clinic.example/a) and [an anchor](#definizione).
"""
TODAY = dt.date(2026, 1, 1)
LINE = re.compile(r"^[^\n]+?(:\d+)?: (error|warning): [^\n]+$")

HOSTILE_CHARS = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x07",
        "\x1b",
        "\x7f",
        "\x85",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\u202e",
        "\r",
        "\r\n",
        "\t",
        "\xa0",
        "\u200b",
        "é",
        "中",
        "\ud7ff",
        "\uffff",
        "\\",
        "`",
        "'",
        '"',
        "&#7;",
        "&#0;",
    ]
)
MARKUP = st.sampled_from(
    [
        "alpha",
        "Beta",
        "**bold**",
        "*em*",
        "[x]{lang=la}",
        '[y]{lang="a b"}',
        "[a](#definizione)",
        "[b](#nowhere)",
        "[c](javascript:alert(1))",
        "[d](JAVASCRIPT:x)",
        "[e](data:text/html,x)",
        "[f](file:///etc/passwd)",
        "[g](ftp://x.example)",
        "[h](https://x.example)",
        "[i](mailto:a@b.example)",
        "[j](tel:+39011)",
        "[k](//evil.example)",
        "[l](../../../etc/passwd)",
        "<script>x</script>",
        "<b onclick=x>",
        "![alt](../images/x.svg)",
        "![](/etc/passwd)",
        "`code`",
        "{#id}",
        "\\",
        "|",
        "::: note",
        "---",
        ":::",
    ]
)
PRINTABLE = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn")), min_size=1, max_size=8
)
WORD = st.one_of(MARKUP, st.text(min_size=1, max_size=8), HOSTILE_CHARS)
SAFE_MARKUP = st.sampled_from(
    [
        "**bold**",
        "*em*",
        "[x]{lang=la}",
        "[a](#definizione)",
        "[h](https://x.example/a?b=c)",
        "[i](mailto:a@b.example)",
        "[j](tel:+39011)",
        "`code`",
        "\\*",
        "&amp;",
        "&lt;b&gt;",
        "&#x41;",
        '[M]{abbr="x"}',
        "3 < 4 > 2",
        "a_b_c",
        "\xa0",
        "é",
        "中文",
    ]
)
MILD_WORD = st.one_of(SAFE_MARKUP, PRINTABLE, MARKUP.filter(lambda w: w.startswith(("*", "`"))))
LINE_TEXT = st.lists(WORD, max_size=8).map(" ".join)
MILD_TEXT = st.lists(MILD_WORD, max_size=8).map(" ".join)
HEADING = st.tuples(
    st.sampled_from(["#", "##", "###", "####", "#######"]),
    LINE_TEXT,
    st.sampled_from(
        [
            "",
            "{#definizione}",
            "{#my anchor}",
            "{#a/../../b}",
            "{#A}",
            "{#a#b}",
            "{#sintomì}",
            '{#x label="y"}',
            "{#}",
            "{.cls}",
            "{#" + "a" * 300 + "}",
        ]
    ),
).map(lambda p: f"{p[0]} {p[1]} {p[2]}")
BLOCK = st.one_of(
    HEADING,
    LINE_TEXT,
    st.lists(LINE_TEXT, max_size=3).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
    st.lists(LINE_TEXT, max_size=3).map(lambda xs: "\n".join(f"1. {x}" for x in xs)),
    st.tuples(LINE_TEXT, LINE_TEXT).map(lambda p: f"| {p[0]} | h |\n|---|--:|\n| {p[1]} | 1 |"),
    LINE_TEXT.map(lambda t: f"::: warning\n{t}\n:::"),
    st.integers(1, 400).map(lambda n: "> " * n + "deep"),
    st.integers(1, 200).map(lambda n: "".join("  " * i + "- x\n" for i in range(n))),
    st.integers(1, 2000).map(lambda n: "[" * n + "x" + "]" * n),
)
MILD_BLOCK = st.one_of(
    MILD_TEXT,
    st.tuples(MILD_TEXT, st.integers(1, 10**6)).map(lambda p: f"### x{p[0]} {{#s{p[1]}}}"),
    st.lists(MILD_TEXT, max_size=3).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
    st.tuples(MILD_TEXT, MILD_TEXT).map(lambda p: f"| {p[0]} | h |\n|---|--:|\n| {p[1]} | 1 |"),
    MILD_TEXT.map(lambda t: f"::: tip\n{t}\n:::"),
)
BODY = st.lists(BLOCK, max_size=8).map("\n\n".join)
MILD_BODY = st.lists(MILD_BLOCK, max_size=6).map(lambda bs: "## Section {#definizione}\n\n" + "\n\n".join(bs))

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    LINE_TEXT,
    st.sampled_from(
        [
            "2024-13-45",
            "2024-02-30",
            "2023-02-29",
            "0000-01-01",
            "9999-12-31",
            "2024-1-5",
            "2024-02-29",
            "2024-02-30 10:00:00",
            "javascript:alert(1)",
            "https://clinic.example/x",
            "approved",
            "draft",
            "en",
            "it",
        ]
    ),
    st.dates(),
)
VALUE = st.recursive(
    SCALAR,
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=5), kids, max_size=3)),
    max_leaves=6,
)
KEYS = st.sampled_from(
    [
        "id",
        "title",
        "summary",
        "status",
        "source_url",
        "last_updated",
        "reviewed_on",
        "review_due",
        "reviewers",
        "keywords",
        "lang",
    ]
)
BASE = {"id": "fuzz", "title": "Fuzz", "summary": "A summary.", "status": "draft"}
MILD_FRONT = st.one_of(
    st.dictionaries(KEYS, SCALAR, max_size=2).map(
        lambda d: yaml.safe_dump({**BASE, **d}, allow_unicode=True, sort_keys=False)
    ),
    st.just(yaml.safe_dump(BASE)),
)
FRONT = st.one_of(
    st.dictionaries(st.one_of(KEYS, st.text(max_size=6)), VALUE, max_size=8).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
    ),
    st.dictionaries(KEYS, VALUE, max_size=11).map(lambda d: yaml.safe_dump(d, allow_unicode=False)),
    st.lists(st.tuples(KEYS, LINE_TEXT), max_size=8).map(
        lambda kv: "".join(f"{k}: {v}\n" for k, v in kv)
    ),  # raw, often malformed YAML
    st.integers(1, 3000).map(lambda n: "id: " + "[" * n),
)
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "crlf", "cr", "latin-1", "utf-16"])
NAME = st.sampled_from(["fuzz.md", "Fuzz File.md", "x.md.md", "-.md", "é.md", ".hidden.md"])
#: Half the examples are hostile everywhere; half are valid but for a detail,
#: so what the loader accepts is rendered too.
EXAMPLE = st.one_of(
    st.tuples(FRONT, BODY, ENCODING, NAME),
    st.tuples(MILD_FRONT, MILD_BODY, st.sampled_from(["utf-8", "utf-8-sig", "crlf", "cr"]), st.just("fuzz.md")),
)


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    if encoding == "cr":
        return text.replace("\n", "\r").encode("utf-8", "surrogatepass")
    return text.encode(encoding, "replace")


def _write_root(root: Path, front: str, body: str, encoding: str, name: str) -> None:
    (root / "en").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "images" / "x.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    (root / "en" / "valid.md").write_text(VALID, encoding="utf-8")
    (root / "en" / name).write_bytes(_encode(f"---\n{front}---\n\n{body}\n", encoding))


def _check(root: Path, capsys=None) -> None:
    result = load(root, today=TODAY)
    for d in result.diagnostics:
        assert LINE.match(str(d)), repr(str(d))
        assert d.location.path.startswith(str(root)) or not os.path.isabs(d.location.path)
    assert "valid" in {c.id for c in result.content.conditions}, [str(d) for d in result.errors]
    ctx = Context(Renderer(), Options(), root, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    for condition in result.content.conditions:
        page = write_page(condition, result.content.site, edition("standard"), ctx)
        tree = etree.fromstring(page)  # well-formed XML: no control characters got through
        for href in tree.xpath("//@href | //@src"):
            assert re.match(r"^(#|https?://|mailto:|tel:|data:image/)", href), href


SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(example=EXAMPLE)
def test_loader_never_crashes_and_what_it_accepts_renders(example):
    front, body, encoding, name = example
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "c"
        _write_root(root, front, body, encoding, name)
        _check(root)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(example=EXAMPLE)
def test_build_writes_nothing_outside_the_output_folder(example):
    front, body, encoding, _ = example
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "c"
        _write_root(root, front, body, encoding, "fuzz.md")
        before = sorted(p for p in base.rglob("*"))
        try:
            build(root, base / "out", Options(formats=("html",), editions=("standard",)), today=TODAY)
        except BuildError as exc:
            assert not exc.report.failures, exc.report.failures  # content errors only
        after = sorted(p for p in base.rglob("*"))
        new = [p for p in after if p not in before]
        assert all(p.is_relative_to(base / "out") for p in new), new
        assert (base / "out" / "html" / "en" / "valid.html").is_file()
