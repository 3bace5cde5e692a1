"""SVG images → a safe copy, or the reason they are refused.

Takes: the bytes of an SVG file. Gives: :func:`sanitize` → the bytes every
output embeds: an allowlist copy (SVG drawing elements and presentation
attributes only; editor metadata such as Inkscape's is dropped) or a
:class:`SvgProblem` naming the first dangerous construct:

* ``<script>``, ``<foreignObject>``, animation elements (they can rewrite
  links), links (``<a>``), XHTML or other embedded documents;
* ``on…`` event handler attributes;
* any reference that leaves the image: ``href``/``xlink:href`` other than
  ``#id`` (or a ``data:`` PNG/JPEG/GIF/WebP), ``url(…)`` other than
  ``url(#id)``, CSS ``@import``, processing instructions such as
  ``<?xml-stylesheet?>``;
* a DOCTYPE with an internal subset (entity declarations: XXE, "billion laughs").

A refused image is a content error at ``file:line`` (``check``) and a failed
output at build time; nothing dangerous is ever silently published, and
nothing outside the allowlist reaches an output. No well-kept SVG sanitiser
is packaged for Python (nh3/ammonia clean HTML, not SVG), so this is a small
lxml allowlist.
"""

from __future__ import annotations

import re

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_SVG_BYTES = 5 * 1024 * 1024

ELEMENTS = frozenset(
    """
svg g defs symbol use title desc switch
path rect circle ellipse line polyline polygon text tspan textPath
linearGradient radialGradient stop pattern clipPath mask marker image style
filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset
fePointLight feSpecularLighting feSpotLight feTile feTurbulence
""".split()
)
#: Elements refused outright (not just dropped): they run code, embed other
#: documents, or change the image after it was checked.
DANGEROUS = frozenset(
    """
script foreignObject iframe object embed a set animate animateMotion animateTransform
animateColor handler listener discard video audio
""".split()
)
#: Elements (any namespace) dropped with their content: metadata, editor data.
DROPPED = frozenset({"metadata", "namedview", "RDF"})

ATTRIBUTES = frozenset(
    """
id class lang tabindex role aria-label aria-labelledby aria-describedby aria-hidden
x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength transform
viewBox preserveAspectRatio version baseProfile
gradientUnits gradientTransform spreadMethod offset patternUnits patternContentUnits
patternTransform clipPathUnits maskUnits maskContentUnits markerUnits markerWidth
markerHeight refX refY orient filterUnits primitiveUnits result in in2 mode type values
operator k1 k2 k3 k4 order kernelMatrix divisor bias targetX targetY edgeMode
kernelUnitLength preserveAlpha surfaceScale diffuseConstant specularConstant
specularExponent azimuth elevation pointsAtX pointsAtY pointsAtZ limitingConeAngle
scale xChannelSelector yChannelSelector stdDeviation dx dy radius baseFrequency
numOctaves seed stitchTiles tableValues slope intercept amplitude exponent
rotate textLength lengthAdjust startOffset method spacing side
requiredFeatures requiredExtensions systemLanguage media
alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
color-interpolation-filters color-profile color-rendering cursor direction display
dominant-baseline enable-background fill fill-opacity fill-rule filter flood-color
flood-opacity font font-family font-size font-size-adjust font-stretch font-style
font-variant font-weight glyph-orientation-horizontal glyph-orientation-vertical
image-rendering kerning letter-spacing lighting-color marker marker-end marker-mid
marker-start mask opacity overflow paint-order pointer-events shape-rendering
stop-color stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap
stroke-linejoin stroke-miterlimit stroke-opacity stroke-width style text-anchor
text-decoration text-rendering transform-origin unicode-bidi vector-effect visibility
word-spacing writing-mode mix-blend-mode isolation
""".split()
)
_HREF_ELEMENTS = frozenset(
    {"use", "image", "feImage", "textPath", "linearGradient", "radialGradient", "pattern", "filter"}
)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_DANGER = re.compile(r"@import|@font-face|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.IGNORECASE)


_INTERNAL_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[|<!(?:ENTITY|ATTLIST|ELEMENT)", re.IGNORECASE)


class SvgProblem(Exception):
    """Why an SVG is refused (a plain-language message; callers wrap it in a library error)."""


def _local(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    qname = etree.QName(tag)
    return qname.namespace or "", qname.localname


def _check_css(text: str, where: str) -> None:
    danger = _CSS_DANGER.search(text)
    if danger:
        raise SvgProblem(f"{where} uses '{danger.group(0).strip()}' in its style")
    for match in _URL.finditer(text):
        if not match.group(2).strip().startswith("#"):
            raise SvgProblem(
                f"{where} refers to '{match.group(2).strip()[:60]}' outside the image (only url(#id) is allowed)"
            )


def _check_href(element: str, value: str) -> None:
    value = value.strip()
    if value.startswith("#"):
        return
    if element in ("image", "feImage") and _DATA_IMAGE.match(value):
        return
    raise SvgProblem(
        f"<{element}> refers to '{value[:60]}' outside the image (only '#id' "
        "references and embedded PNG/JPEG/GIF/WebP data are allowed)"
    )


def _parse(data: bytes) -> etree._ElementTree:
    if len(data) > MAX_SVG_BYTES:
        raise SvgProblem(f"the SVG is larger than {MAX_SVG_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SvgProblem("the SVG is not saved as UTF-8") from None
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=False,
        strip_cdata=True,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise SvgProblem(f"not a well-formed SVG ({exc.msg})") from None
    if _INTERNAL_SUBSET.search(text):
        raise SvgProblem(
            "the SVG declares a DOCTYPE with its own entities or rules; remove the <!DOCTYPE ...[ ... ]> block"
        )
    return tree


def sanitize(data: bytes) -> bytes:
    """The safe copy of an SVG image; :class:`SvgProblem` when it must be refused."""
    tree = _parse(data)
    root = tree.getroot()
    if _local(root.tag) != (SVG_NS, "svg"):
        raise SvgProblem("not an SVG image (the root element is not <svg> in the SVG namespace)")
    for node in list(root.itersiblings(preceding=True)) + list(root.itersiblings()):
        if isinstance(node, etree._ProcessingInstruction):
            raise SvgProblem(f"the SVG has a processing instruction <?{node.target!s} ...?>; remove it")
    _clean(root)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _clean(element: etree._Element) -> None:
    for child in list(element):
        if isinstance(child, etree._ProcessingInstruction):
            raise SvgProblem(f"the SVG has a processing instruction <?{child.target!s} ...?>; remove it")
        if not isinstance(child.tag, str):  # comments, entities
            _remove_keeping_tail(child)
            continue
        ns, name = _local(child.tag)
        if name in DANGEROUS or (ns and ns != SVG_NS and name in ELEMENTS):
            raise SvgProblem(f"the SVG contains <{name}>, which is not allowed in an image")
        if ns == SVG_NS and name in ELEMENTS:
            _clean(child)
            continue
        if ns == SVG_NS and name not in DROPPED:
            raise SvgProblem(f"the SVG contains <{name}>, which is not a drawing element benech-publish accepts")
        if ns == "http://www.w3.org/1999/xhtml":
            raise SvgProblem(f"the SVG embeds HTML (<{name}>)")
        _remove_keeping_tail(child)  # editor metadata (Inkscape, RDF, ...)
    _clean_attributes(element)


def _remove_keeping_tail(child: etree._Element) -> None:
    parent = child.getparent()
    assert parent is not None
    if child.tail:
        prev = child.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


def _clean_attributes(element: etree._Element) -> None:
    _, name = _local(element.tag)
    for key in list(element.attrib):
        ns, attr = _local(key)
        value = str(element.attrib[key])
        if attr.lower().startswith("on"):
            raise SvgProblem(f"<{name}> has an event handler '{attr}', which runs code")
        if attr == "href" and ns in ("", XLINK_NS):
            if name not in _HREF_ELEMENTS:
                raise SvgProblem(f"<{name}> has a link ('{value[:60]}'), which is not allowed")
            _check_href(name, value)
            continue
        if ns == XML_NS and attr in ("space", "lang"):
            continue
        if ns or attr not in ATTRIBUTES:
            del element.attrib[key]  # editor attributes (inkscape:*, data-*)
            continue
        if "url(" in value.lower() or attr == "style":
            _check_css(value, f"<{name}>")
    if name == "style":
        _check_css(element.text or "", "<style>")
        if len(element):
            raise SvgProblem("<style> may only contain CSS text")
