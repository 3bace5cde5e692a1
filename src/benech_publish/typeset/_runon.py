"""Run-on units decided while WeasyPrint paginates, so copy-fitting costs one layout.

Takes: a document whose parts are ``section[data-unit]`` elements that start a
new page (``break-before: page``), and a :class:`RunOn` policy: which units
may run on, and the least a page must be filled. Gives: the same pagination
WeasyPrint makes, except that a unit on the policy's list does **not** start a
new page when the page the unit before it ends on would be near-empty (its
content fills less than ``min_fill`` of the page's text area): it runs on
below. The unit names that ran on, in document order, are collected in
:class:`Decisions` (for the log and for a later layout).

The one booklet rule of copy-fitting (:func:`benech_publish.writers.booklet.
_fit`) used to need a layout, a check, and another layout per near-empty page;
WeasyPrint decides forced breaks in ``layout.block.block_level_page_break``
with the box before the break already placed on the page, which is all the
rule needs. :func:`install` wraps that function and ``layout.page.page_height``
(to know the text area of the page being made), through the checked door
:mod:`._weasy`; both wrappers do nothing unless a policy is active in the
current context (:func:`active`), so bare WeasyPrint in the same process is
unchanged. The layout check still runs on the result; anything it finds is
fixed the old way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from . import _weasy


@dataclass(frozen=True)
class RunOn:
    """Which units may run on (``data-unit`` values) and the least fill of a page."""

    units: frozenset[str]
    min_fill: float = 0.25


@dataclass
class Decisions:
    """What one layout decided: the units that ran on, in order (each once)."""

    policy: RunOn
    ran_on: dict[str, None] = field(default_factory=dict)
    page: Any = None  # the page box being made (its text area)


_ACTIVE: ContextVar[Decisions | None] = ContextVar("benech_run_on", default=None)


@contextmanager
def active(policy: RunOn) -> Iterator[Decisions]:
    """Apply ``policy`` to the layouts made inside the ``with`` block (this context only)."""
    install()
    decisions = Decisions(policy)
    token = _ACTIVE.set(decisions)
    try:
        yield decisions
    finally:
        _ACTIVE.reset(token)


def _unit(box: Any) -> str | None:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) is None:
        return None
    value = element.get("data-unit")
    return str(value) if value else None


def install() -> None:
    """Wrap the two WeasyPrint functions once (idempotent); see the module docstring."""
    engine = _weasy.load()

    def page_height_of(original_height: _weasy.Function) -> _weasy.Function:
        def page_height(box: Any, context: Any, containing_block_height: Any) -> Any:
            result = original_height(box, context, containing_block_height)
            decisions = _ACTIVE.get()
            if decisions is not None:
                decisions.page = box
            return result

        return page_height

    def block_level_page_break_of(original_break: _weasy.Function) -> _weasy.Function:
        def block_level_page_break(sibling_before: Any, sibling_after: Any) -> Any:
            result = original_break(sibling_before, sibling_after)
            decisions = _ACTIVE.get()
            if decisions is None or result != "page" or decisions.page is None:
                return result
            after, before = _unit(sibling_after), _unit(sibling_before)
            units = decisions.policy.units
            if after not in units or before not in units:
                return result
            page_box = decisions.page
            top, height = page_box.content_box_y(), page_box.height
            bottom = sibling_before.border_box_y() + sibling_before.border_height()
            if height > 0 and (bottom - top) / height < decisions.policy.min_fill:
                decisions.ran_on[after] = None
                return "auto"
            return result

        return block_level_page_break

    _weasy.replace(engine.page_layout, "page_height", page_height_of)
    _weasy.replace(engine.block_layout, "block_level_page_break", block_level_page_break_of)
