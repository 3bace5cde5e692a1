"""The one URL policy: which addresses may be published, checked in one place.

Takes: an address as written in the content (``source_url``, ``website``,
``contacts``, a link in the text). Gives: ``""`` when it may be published, or
a plain-language problem. The loader reports problems at ``file:line``
(validation time); the renderer calls :func:`safe_href` for every address it
writes into ``href`` (use time) and refuses anything else, so an address that
never went through ``check`` (a caller building the model in Python, a user
template) still cannot publish ``javascript:``, ``data:``, ``file:`` or any
other scheme.

Policy:

* web addresses (``source_url``, ``website``): ``http://`` or ``https://``
  with a host name, no user name or password;
* links in text: the above, ``mailto:`` and ``tel:``, or ``#anchor``;
* ``contacts.email``: an e-mail address (published as ``mailto:``);
* ``contacts.phone``: digits, spaces and ``+ ( ) - .`` (published as ``tel:``).

Whitespace and control characters are never allowed inside an address:
browsers drop some of them, so ``java\\tscript:`` would otherwise slip past.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from .errors import RenderError

WEB_SCHEMES = ("http", "https")
LINK_SCHEMES = ("http", "https", "mailto", "tel")
MAX_URL_LENGTH = 2000

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_PHONE_RE = re.compile(r"^\+?[0-9 ().-]{3,30}$")
#: A host: labels of letters, digits and characters U+00A0..U+FFFF (hyphens inside), dots
#: between, an optional port; or a bracketed IP literal. Matched by :func:`_valid_host` on the
#: host with each character U+00A0..U+FFFF written as ``z`` (a label character, not a hex
#: digit: the same answer), since a class spanning U+00A0..U+FFFF costs 5-7 ms to compile.
_HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$"
)


def _valid_host(netloc: str) -> bool:
    if not netloc.isascii():
        netloc = "".join("z" if "\u00a0" <= ch <= "\uffff" else ch for ch in netloc)
    return _HOST_RE.match(netloc) is not None


#: The ASCII characters :func:`_has_space_or_control` refuses: controls (Cc), DEL and white space.
_ASCII_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def _has_space_or_control(value: str) -> bool:
    if value.isascii():  # the common case, exactly the same answer without a lookup per character
        return _ASCII_SPACE_OR_CONTROL.search(value) is not None
    return any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") for ch in value)


def _shown(value: str) -> str:
    """The address for a message: quoted, escaped, shortened (one line, always)."""
    text = value if len(value) <= 80 else value[:77] + "..."
    return ascii(text) if _has_space_or_control(text) else f"'{text}'"


def check_url(value: str, schemes: tuple[str, ...] = WEB_SCHEMES) -> str:
    """``""`` if ``value`` is an address with one of ``schemes``, else the problem."""
    if not isinstance(value, str):
        return f"an address must be text, not {type(value).__name__}"
    if not value:
        return "the address is empty"
    if len(value) > MAX_URL_LENGTH:
        return f"the address is longer than {MAX_URL_LENGTH} characters"
    if _has_space_or_control(value) or "\\" in value:
        return f"address {_shown(value)} contains spaces, control characters or '\\'"
    allowed = " or ".join(f"{s}:" if s in ("mailto", "tel") else f"{s}://" for s in schemes)
    match = _SCHEME_RE.match(value)
    scheme = match.group(1).lower() if match else ""
    if scheme not in schemes:
        kind = f"a '{scheme}:' address" if scheme else "not a full address"
        return f"address {_shown(value)} is {kind}: only {allowed} addresses are published"
    if scheme in WEB_SCHEMES:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            return f"address {_shown(value)} is not a valid web address"
        if not value[len(scheme) + 1 :].startswith("//") or not parts.hostname:
            return f"address {_shown(value)} has no host name (write {scheme}://host/...)"
        if "@" in parts.netloc:
            return f"address {_shown(value)} contains a user name or password"
        if not _valid_host(parts.netloc):
            return f"address {_shown(value)} has an invalid host name"
    elif scheme == "mailto":
        address = value[len("mailto:") :].split("?", 1)[0]
        if not _EMAIL_RE.match(address):
            return f"address {_shown(value)} is not a valid e-mail address"
    elif scheme == "tel":
        if not _PHONE_RE.match(value[len("tel:") :]):
            return f"address {_shown(value)} is not a valid phone number"
    return ""


def check_link(href: str) -> str:
    """A link in text: ``#anchor`` or an address of :data:`LINK_SCHEMES`."""
    if href.startswith("#"):
        return ""  # the anchor itself is checked by validate.py against the condition
    return check_url(href, LINK_SCHEMES)


def check_email(value: str) -> str:
    if not isinstance(value, str) or not _EMAIL_RE.match(value):
        return f"e-mail address {_shown(str(value))} is not valid (write name@example.org)"
    return ""


def check_phone(value: str) -> str:
    if not isinstance(value, str) or not _PHONE_RE.match(value):
        return f"phone number {_shown(str(value))} may only hold digits, spaces and + ( ) - . (3 to 30 characters)"
    return ""


def tel_href(phone: str) -> str:
    """``+39 011 123`` → ``tel:+39011123`` (refused unless :func:`check_phone` passes)."""
    problem = check_phone(phone)
    if problem:
        raise RenderError(f"refusing to publish: {problem}")
    return "tel:" + re.sub(r"[ ().-]", "", phone)


def mailto_href(email: str) -> str:
    problem = check_email(email)
    if problem:
        raise RenderError(f"refusing to publish: {problem}")
    return "mailto:" + email


def safe_href(value: str, schemes: tuple[str, ...] = LINK_SCHEMES) -> str:
    """``value`` unchanged when it may be published as a link; :class:`RenderError` otherwise.

    Used by the renderer for every address (defence in depth: the loader has
    already reported the same problem at ``file:line``).
    """
    if isinstance(value, str) and value.startswith("#") and schemes is LINK_SCHEMES:
        return value
    problem = check_url(value, schemes)
    if problem:
        raise RenderError(f"refusing to publish a link: {problem}")
    return value


# --------------------------------------------------------------------------- the gate on markup

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG_RE = re.compile(r"<([A-Za-z][\w:.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR_RE = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "xlink:href",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "cite",
        "srcset",
        "longdesc",
        "manifest",
    }
)
_REFUSED_ELEMENTS = frozenset(
    {"script", "iframe", "frame", "object", "embed", "applet", "base", "form", "foreignobject"}
)
#: An image embedded in ``<img src>`` (images cannot run scripts there; ours are sanitised).
_DATA_IMAGE_RE = re.compile(r"^data:image/(?:png|jpeg|gif|webp|svg\+xml)(?:;[\w=.-]+)*,")


def _published_problem(attr: str, value: str) -> str:
    if value.startswith("#"):
        return ""
    if attr == "src" and _DATA_IMAGE_RE.match(value):
        return ""
    if not _SCHEME_RE.match(value) and not value.startswith("//"):  # a file of the same output
        if _has_space_or_control(value) or "\\" in value:
            return f"{_shown(value)} contains spaces or control characters"
        if value.startswith("/") or ".." in value.split("#", 1)[0].split("/"):
            # the print engine resolves relative paths against the content folder
            return f"{_shown(value)} leaves the output (only paths inside it, without '..')"
        return ""
    return check_url(value, LINK_SCHEMES)


def check_markup(markup: str, where: str) -> None:
    """Refuse (RenderError) markup with a script, an event handler, an embedded
    document or an address outside the URL policy. Run on every rendered
    publication template, user templates included; entities are decoded first,
    as a browser would."""
    import html as _html

    text = _COMMENT_RE.sub("", markup)
    for tag in _TAG_RE.finditer(text):
        element = tag.group(1).lower().split(":")[-1]
        if element == "script" and _is_json_data(tag.group(2), text, tag.end()):
            continue  # <script type="application/ld+json"> holding valid JSON is data, not code
        if element in _REFUSED_ELEMENTS:
            raise RenderError(f"{where}: refusing to publish a <{element}> element")
        for attr_match in _ATTR_RE.finditer(tag.group(2)):
            attr = attr_match.group(1).lower()
            value = _html.unescape(
                attr_match.group(2) if attr_match.group(2) is not None else attr_match.group(3)
            ).strip()
            if attr.startswith("on"):
                raise RenderError(f"{where}: refusing to publish an event handler ({attr})")
            if element == "meta" and attr == "http-equiv" and value.lower() == "refresh":
                raise RenderError(f"{where}: refusing to publish a <meta> refresh")
            if attr in _URL_ATTRIBUTES:
                problem = _published_problem(attr, value)
                if problem:
                    raise RenderError(f"{where}: refusing to publish <{element} {attr}>: {problem}")


def _is_json_data(attributes: str, text: str, start: int) -> bool:
    """A ``<script>`` whose only attribute is ``type="application/ld+json"`` and whose
    content, up to the first ``</``, is valid JSON: machine-readable metadata, never run."""
    import json

    attrs = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTR_RE.finditer(attributes)
    }
    if attrs != {"type": "application/ld+json"}:
        return False
    end = text.find("</", start)
    if end < 0 or not text.startswith("</script", end):
        return False
    try:
        json.loads(text[start:end])
    except ValueError:
        return False
    return True
