"""WordPress shortcodes left in a page's HTML → HTML the converter understands.

Takes: the ``content.rendered`` HTML (WordPress leaves a shortcode as text
when its plugin is off, or in pages saved by the classic editor). Gives: the
HTML with every shortcode replaced, and plain-language notes. Pure.

* ``[caption ...]<img ...> Caption text[/caption]`` → ``<figure><img ...>
  <figcaption>Caption text</figcaption></figure>`` (also the old
  ``caption="..."`` attribute form);
* ``[embed]URL[/embed]``, ``[video src=URL]``, ``[audio mp3=URL]``,
  ``[playlist]`` → a sentence with a link to the address, ``Video: URL.``
  (review note: describe it);
* ``[gallery ...]`` → dropped (review note: add the images as figures);
* any other shortcode → its tags dropped, text between them kept (review
  note). None is ever left as text.

What counts as a shortcode: ``[name ...]`` / ``[/name]`` where ``name`` is a
known WordPress shortcode, or has attributes, or has a closing tag, or
contains ``_`` or ``-`` (plugin names such as ``contact-form-7``). Bracketed
words such as ``[sic]`` or ``[1]`` stay text.
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
from dataclasses import dataclass, field

KNOWN = ("caption", "wp_caption", "embed", "gallery", "video", "audio", "playlist")
MEDIA = ("embed", "video", "audio", "playlist")
# Curly quotes and primes that wptexturize puts around attribute values.
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u2032\u2033"
_OPEN = re.compile(r"\[(?!/)([A-Za-z][A-Za-z0-9_-]{0,60})((?:\s[^\[\]]{0,2000})?)\s*/?\]")
_CLOSE = re.compile(r"\[/([A-Za-z][A-Za-z0-9_-]{0,60})\]")
_TOKEN = re.compile(
    r"\[(?!/)(?P<name>[A-Za-z][A-Za-z0-9_-]{0,60})(?P<attrs>(?:\s[^\[\]]{0,2000})?)\s*/?\]"
    r"|\[/(?P<close>[A-Za-z][A-Za-z0-9_-]{0,60})\]"
)
_ATTR = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:[" + _QUOTES + r"]([^" + _QUOTES + r"]*)[" + _QUOTES + r"]|(\S+))"
)
_URL = re.compile(r"https?://[^\s<>\"'\[\]]+")
_IMG_LEAD = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)


@dataclass
class Shortcodes:
    """The rewritten HTML and the notes for the import report."""

    html: str
    review: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)


def _attrs(text: str) -> dict[str, str]:
    decoded = html_lib.unescape(text)
    return {
        k.lower(): (q if q is not None and q != "" else b or "").strip(_QUOTES) for k, q, b in _ATTR.findall(decoded)
    }


def _is_shortcode(name: str, attrs: str, closers: set[str]) -> bool:
    name = name.lower()
    return name in KNOWN or "_" in name or "-" in name or bool(attrs.strip()) or name in closers


# Labels that read the same in Italian and English, the clinic's languages.
_LABEL = {"video": "Video", "audio": "Audio", "playlist": "Playlist", "embed": "Link"}


def _link(url: str, kind: str) -> str:
    """A sentence with the link: ``Video: <address>.`` (the reviewer describes it)."""
    safe = html_lib.escape(url, quote=True)
    return f'<p>{_LABEL[kind]}: <a href="{safe}">{html_lib.escape(url)}</a>.</p>'


MAX_PASSES = 8


def rewrite(html: str) -> Shortcodes:
    """Replace every shortcode in ``html`` (see the module docstring).

    Shortcodes nested in others are handled by further passes (at most
    :data:`MAX_PASSES`); whatever is left after that is removed.
    """
    result = Shortcodes(html)
    for _ in range(MAX_PASSES):
        before = result.html
        _pass(result)
        if result.html == before:
            return _counted(result)
    closers = {c.group(1).lower() for c in _CLOSE.finditer(result.html)}
    result.html = _CLOSE.sub(
        "", _OPEN.sub(lambda o: "" if _is_shortcode(o.group(1), o.group(2) or "", closers) else o.group(0), result.html)
    )
    result.review.append("shortcodes nested too deeply were removed")
    return _counted(result)


def _counted(result: Shortcodes) -> Shortcodes:
    """The same note repeated (a shortcode used 40 times) is reported once, with ×N."""

    def count(notes: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        for note in notes:
            seen[note] = seen.get(note, 0) + 1
        return [f"{note} ×{n}" if n > 1 else note for note, n in seen.items()]

    return Shortcodes(result.html, count(result.review), count(result.repaired))


def _pass(result: Shortcodes) -> None:
    """One left-to-right pass; linear in the page's length (one scan for every token)."""
    html = result.html
    if "[" not in html:
        return
    tokens = list(_TOKEN.finditer(html))
    ends: dict[str, list[re.Match[str]]] = {}
    for tok in tokens:
        if tok.group("close"):
            ends.setdefault(tok.group("close").lower(), []).append(tok)
    closers = set(ends)
    starts = {name: [c.start() for c in found] for name, found in ends.items()}
    out: list[str] = []
    pos = 0
    for tok in tokens:
        if tok.start() < pos:
            continue  # inside a shortcode already replaced
        if tok.group("close"):  # a stray closing tag (its opening tag was text or missing)
            out.append(html[pos : tok.start()])
            result.review.append(f"stray shortcode end [/{tok.group('close')}] removed")
            pos = tok.end()
            continue
        name, attr_text = tok.group("name"), tok.group("attrs") or ""
        if not _is_shortcode(name, attr_text, closers):
            continue
        out.append(html[pos : tok.start()])
        end = None
        if not tok.group(0).endswith("/]"):
            candidates = ends.get(name.lower(), [])
            index = bisect.bisect_left(starts.get(name.lower(), []), tok.end())
            end = candidates[index] if index < len(candidates) else None
        inner = html[tok.end() : end.start()] if end else ""
        pos = end.end() if end else tok.end()
        out.append(_replace(name.lower(), _attrs(attr_text), inner, result))
    out.append(html[pos:])
    result.html = "".join(out)


def _replace(name: str, attrs: dict[str, str], inner: str, r: Shortcodes) -> str:
    if name in ("caption", "wp_caption"):
        lead = _IMG_LEAD.match(inner)
        image, caption = (lead.group(1), lead.group(2)) if lead else ("", inner)
        caption = caption.strip() or attrs.get("caption", "")
        if not image:
            r.review.append("a [caption] shortcode held no image: its text was kept as a paragraph")
            return f"<p>{caption}</p>" if caption.strip() else ""
        r.repaired.append("[caption] shortcode made a figure with its caption")
        return f"<figure>{image}<figcaption>{caption}</figcaption></figure>"
    if name in MEDIA:
        url = (
            attrs.get("src")
            or attrs.get("url")
            or next((v for k, v in attrs.items() if k in ("mp4", "m4v", "webm", "ogv", "mp3", "ogg", "wav", "m4a")), "")
        )
        if not url:
            found = _URL.search(html_lib.unescape(re.sub(r"<[^>]*>", " ", inner)))
            url = found.group(0) if found else ""
        if url and _URL.fullmatch(url):
            r.review.append(f"[{name}] shortcode turned into a link to {url}: describe what it shows, or remove it")
            return _link(url, name)
        r.review.append(f"[{name}] shortcode without an http(s) address dropped")
        return ""
    if name == "gallery":
        ids = attrs.get("ids", "")
        r.review.append(
            f"[gallery{f' ids={ids}' if ids else ''}] shortcode dropped: add its images as figures with alt text"
        )
        return ""
    if inner.strip():
        r.review.append(f"[{name}] shortcode removed, the text inside it kept: check it")
    else:
        r.review.append(f"[{name}] shortcode dropped (a plugin's content, not available)")
    return inner
