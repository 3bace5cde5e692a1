"""Colour contrast of the clinic's configured colours (WCAG 2.2 relative luminance).

Takes: :class:`~benech_publish.model.Colours`. Gives: one plain-language
problem per text/background pair below its minimum: body text needs 7:1
(WCAG AAA, as clear-print guidance asks for patient information), every other
text 4.5:1. The build refuses to make documents with a failing pair.
"""

from __future__ import annotations

from .model import Colours

# (foreground field, background field, minimum ratio, what uses the pair)
PAIRS: tuple[tuple[str, str, float, str], ...] = (
    ("text", "background", 7.0, "body text"),
    ("text", "accent", 7.0, "body text in panels and notes"),
    ("primary", "background", 4.5, "headings and links"),
    ("primary", "accent", 4.5, "headings and links in panels"),
    ("muted", "background", 4.5, "small labels and table borders"),
    ("background", "primary", 4.5, "text on coloured bars"),
)


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio, 1.0 to 21.0."""
    a, b = luminance(foreground), luminance(background)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def check_colours(colours: Colours) -> list[str]:
    problems = []
    for fg, bg, minimum, use in PAIRS:
        ratio = contrast_ratio(getattr(colours, fg), getattr(colours, bg))
        if ratio < minimum:
            problems.append(
                f"colour contrast too low for {use}: '{fg}' {getattr(colours, fg)} on '{bg}' "
                f"{getattr(colours, bg)} is {ratio:.2f}:1, needs at least {minimum:g}:1"
            )
    return problems


def _mix(a: str, b: str, t: float) -> str:
    """``a`` moved a fraction ``t`` towards ``b`` (sRGB channels)."""
    ca = [int(a.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    cb = [int(b.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def dark_colours(colours: Colours) -> Colours:
    """A dark-scheme variant of the site's colours for the web page
    (``prefers-color-scheme: dark``) that passes every pair of :data:`PAIRS`.

    Background near-black, text near-white, panels a dark tint of the
    primary colour, headings and links the primary colour lightened until
    it keeps 7:1 on both backgrounds. Deterministic; always succeeds (white
    is the limit of the lightening).
    """
    background, text, muted = "#121212", "#f2f2f2", "#c8c8c8"
    accent = _mix(background, colours.primary, 0.18)
    step = 0.0
    primary = colours.primary
    while step <= 1.0:
        primary = _mix(colours.primary, "#ffffff", step)
        if min(contrast_ratio(primary, background), contrast_ratio(primary, accent)) >= 7.0:
            break
        step += 0.05
    dark = Colours(primary=primary, text=text, background=background, accent=accent, muted=muted)
    return dark
