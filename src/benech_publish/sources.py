"""Content files → text and YAML that remember their lines.

Takes: a file under the content folder. Gives: its text, or the diagnostics
that say why it cannot be read: outside the folder (links resolved, see
:mod:`.safety`), not a regular file, too large, not UTF-8 (at the line of the
first bad byte), or holding an invisible control character (at its line and
column). A leading byte-order mark is dropped and CRLF/CR line ends become
``\\n``, so line numbers are the ones an editor shows. YAML is read with
PyYAML's safe loader (an impossible date stays text, deep nesting is a
diagnostic, not a ``RecursionError``) and remembers the line of every key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from . import safety
from .errors import Diagnostic, Location
from .markdown import CONTROL_RE, control_char_problem

MAX_FILE_BYTES = 2 * 1024 * 1024


class YamlMap:
    """A parsed YAML mapping that remembers the line of each key (nested: ``contacts.phone``)."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], location: Location, node: Any = None):
        self.data, self.lines, self.location = data, lines, location
        self.node = node  # the composed YAML node, for lines inside values (provenance_fields)

    def at(self, key: str) -> Location:
        while key not in self.lines and "." in key:
            key = key.rsplit(".", 1)[0]
        return self.location.at(self.lines.get(key, self.location.line))


class _SafeLoader(yaml.CSafeLoader):
    """PyYAML's safe loader on libyaml's parser (PyYAML's wheels include it; several
    times faster than the pure-Python one), except that an impossible date
    (``2024-02-30``) stays text, so the field that holds it is reported instead
    of the whole file crashing the loader."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _key_lines(root: yaml.Node, offset: int) -> dict[str, int]:
    """The line of every key, nested ones as ``contacts.phone`` (three levels). Each
    node is visited once, so aliases (``*a``) cannot multiply the work."""
    out: dict[str, int] = {}
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    seen: set[int] = set()
    while stack:
        node, prefix, depth = stack.pop()
        if not isinstance(node, yaml.MappingNode) or depth > 2 or id(node) in seen:
            continue
        seen.add(id(node))
        for key_node, value_node in node.value:
            key = prefix + str(key_node.value)[:200]
            out.setdefault(key, offset + key_node.start_mark.line + 1)
            stack.append((value_node, key + ".", depth + 1))
    return out


_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'')
MAX_FLOW_DEPTH = 50


def _too_deep(text: str) -> int:
    """The line where ``[``/``{`` nesting passes :data:`MAX_FLOW_DEPTH`, else 0 (PyYAML's
    scanner is quadratic in that depth, and its composer recursive)."""
    depth = 0
    for number, line in enumerate(text.split("\n"), 1):
        for ch in _QUOTED.sub("", line):
            if ch in "[{":
                depth += 1
                if depth > MAX_FLOW_DEPTH:
                    return number
            elif ch in "]}":
                depth = max(depth - 1, 0)
    return 0


def read_yaml(text: str, location: Location, diags: list[Diagnostic]) -> YamlMap | None:
    """Parse YAML text whose first line is ``location.line`` (1-based)."""
    offset = max(location.line, 1) - 1
    deep = _too_deep(text)
    if deep:
        diags.append(
            Diagnostic(
                location.at(offset + deep),
                f"malformed YAML: nested too deeply (more than {MAX_FLOW_DEPTH} levels of [ or {{)",
                code="yaml",
            )
        )
        return None
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts (e.g. an unclosed
        # '['); the problem mark is where the parser gave up (often the end).
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = offset + (mark.line + 1 if mark else 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.append(Diagnostic(location.at(line), f"malformed YAML: {problem}", code="yaml"))
        return None
    except RecursionError:
        diags.append(Diagnostic(location.at(offset + 1), "malformed YAML: nested too deeply", code="yaml"))
        return None
    finally:
        loader.dispose()
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        diags.append(Diagnostic(location.at(offset + 1), "expected 'key: value' lines", code="yaml"))
        return None
    lines = _key_lines(node, offset) if node is not None else {}
    y = YamlMap(data, lines, location.at(offset + 1), node)
    for key, value in data.items():  # escapes such as "\a" or "\u2028" in quoted values
        problem = _control_chars_in(key) or _control_chars_in(value)
        if problem:
            diags.append(Diagnostic(y.at(str(key)), f"'{key}': {problem}", code="control-char"))
    return y


def _control_chars_in(value: Any) -> str:
    """The first control character problem in a parsed YAML value (every string in it,
    each shared object once: aliases cannot multiply the work)."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, str):
            problem = control_char_problem(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return ""


def read_source(path: Path, root: Path, location: Location) -> tuple[str | None, list[Diagnostic]]:
    """A content file as text: a regular file inside ``root`` (links resolved), UTF-8
    (a leading byte-order mark is dropped), line ends normalised to ``\\n``, and no
    control characters. Otherwise ``None`` and the diagnostics saying why."""
    where = location.at(0)
    _, problem = safety.resolve_inside(root, path)
    if problem:
        return None, [Diagnostic(where.at(1), problem, code="outside")]
    if path.is_dir():
        return None, [
            Diagnostic(
                where, f"'{path.name}' is a folder, not a file: rename it (only files are read)", code="not-a-file"
            )
        ]
    if not path.is_file():
        return None, [Diagnostic(where, f"'{path.name}' is not a regular file", code="not-a-file")]
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [
                Diagnostic(where.at(1), f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", code="too-large")
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(where, f"cannot be read ({exc.strerror})", code="unreadable")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Diagnostic(
                where.at(line),
                f"not UTF-8 text ({exc.reason} at byte {exc.start}): save the file as UTF-8",
                code="encoding",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    diags = []
    for number, line_text in enumerate(text.split("\n"), 1):
        bad = CONTROL_RE.search(line_text)
        if bad:
            diags.append(
                Diagnostic(
                    where.at(number),
                    f"invisible control character "
                    f"U+{ord(bad.group()):04X} in column {bad.start() + 1}: "
                    "delete it (retype the text around it)",
                    code="control-char",
                )
            )
            if len(diags) == 5:
                break
    return (None, diags) if diags else (text, [])


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """``(front_matter or None, body, body_first_line)`` for a ``---``-delimited file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    return "".join(lines[1:]), "", len(lines) + 1


def display_path(path: Path) -> str:
    """A path as diagnostics show it: under the content root exactly as the caller named
    it (``content/en/x.md`` for ``load("content")``), whatever the current directory.
    Links are not followed, so a link is shown where it is, not where it points."""
    return path.as_posix()
