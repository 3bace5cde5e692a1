"""liblouis, the braille translator: loading it and translating with one table list.

Takes: a comma-separated liblouis table list (``en-ueb-g2.ctb``; names of
tables shipped in ``braille/tables/`` such as ``benech-it.utb`` are
resolved to their path). Gives: a :class:`Translator` that turns text into
Unicode braille (U+2800..U+28FF) with the input position of every cell, and
back-translates braille with the same tables.

How liblouis is reached: its ctypes binding, the ``louis`` Python module.
Debian packages it as ``python3-louis`` for Debian's own Python
(``/usr/lib/python3/dist-packages/louis``); the project runs in a virtual
environment of another Python, which does not see that folder. So
:func:`load` imports ``louis`` when the running Python can import it, and
otherwise loads Debian's file by its path (:data:`DEBIAN_BINDING`); the module
itself only opens ``liblouis.so.20`` with ctypes, so it works from any Python
3. When neither exists, or the shared library cannot be opened,
:class:`BrailleUnavailable` names the Debian packages to install
(:data:`PACKAGES`). There is no substitute translator.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from ..errors import BenechError, ConfigError

#: Debian packages that provide liblouis, its tables and its Python binding.
PACKAGES = ("liblouis-bin", "liblouis-data", "python3-louis")
#: Where Debian's ``python3-louis`` puts the binding.
DEBIAN_BINDING = Path("/usr/lib/python3/dist-packages/louis/__init__.py")
#: Tables shipped with benech-publish (usable by name in a table list).
SHIPPED_TABLES = Path(__file__).parent / "tables"

BLANK = "\u2800"
#: Emphasis bits of :class:`Translator.translate`'s typeform (liblouis's emph_1, emph_3).
ITALIC, BOLD = 0x0001, 0x0004
#: Typeform bit: write without contractions (web addresses, e-mail, code).
NO_CONTRACT = 0x1000
_DOTS_IO, _UC_BRL, _NO_UNDEFINED = 4, 64, 128
_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2,6}|\\[0-9]+/")


class BrailleUnavailable(BenechError):
    """liblouis (or its Python binding) is not installed."""


def install_hint() -> str:
    return "install liblouis: apt-get install " + " ".join(PACKAGES) + " (make build does it when run as root)"


def _import_binding() -> ModuleType:
    loaded = sys.modules.get("louis")
    if loaded is not None:
        return loaded
    if importlib.util.find_spec("louis") is not None:
        return importlib.import_module("louis")
    if not DEBIAN_BINDING.is_file():
        raise BrailleUnavailable(
            "braille needs liblouis and its Python binding, not found "
            f"(no 'louis' module, no {DEBIAN_BINDING}): {install_hint()}"
        )
    spec = importlib.util.spec_from_file_location("louis", DEBIAN_BINDING)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except OSError as exc:  # liblouis.so.20 missing
        raise BrailleUnavailable(f"cannot open the liblouis library ({exc}): {install_hint()}") from exc
    sys.modules["louis"] = module
    return module


def _log_to(louis: ModuleType, sink: list[str] | None) -> None:
    """Send liblouis's log messages to ``sink`` (None: discard): the library never prints."""

    def receive(level: int, message: bytes) -> None:
        if sink is not None:
            sink.append(message.decode("utf-8", "replace"))

    callback = louis.LogCallback(receive)
    louis.registerLogCallback(callback)
    vars(louis)["_benech_log_callback"] = callback  # keep the ctypes callback alive


def load() -> ModuleType:
    """The ``louis`` module (see the module docstring); raises :class:`BrailleUnavailable`."""
    louis = _import_binding()
    if not hasattr(louis, "_benech_log_callback"):
        _log_to(louis, None)
    return louis


def unavailable_reason() -> str:
    """Empty when liblouis can be used, else one line saying what to install."""
    try:
        load()
    except BrailleUnavailable as exc:
        return str(exc)
    return ""


def version() -> str:
    """liblouis's version, e.g. ``3.24.0``."""
    return str(load().version())


def resolve_tables(table_list: str) -> tuple[str, ...]:
    """``"en-ueb-g2.ctb,benech-it.utb"`` → names for liblouis (shipped ones as paths)."""
    names = tuple(t.strip() for t in table_list.split(",") if t.strip())
    if not names:
        raise ConfigError("a braille table list is empty")
    return tuple(str(SHIPPED_TABLES / n) if (SHIPPED_TABLES / n).is_file() else n for n in names)


#: Translations remembered per translator before the memo starts again (bounds memory).
_MEMO = 20_000


class Translator:
    """Translation and back-translation with one table list (one braille code).

    Raises :class:`ConfigError` when liblouis cannot compile the tables.
    """

    def __init__(self, table_list: str):
        self.louis = load()
        self.table_list = table_list
        self.tables = list(resolve_tables(table_list))
        messages: list[str] = []
        _log_to(self.louis, messages)
        try:
            self.louis.checkTable(self.tables)
        except RuntimeError as exc:
            said = f": {messages[0]}" if messages else ""
            raise ConfigError(
                f"liblouis {version()} cannot compile the braille tables "
                f"'{table_list}'{said}; check the names in site.yaml "
                "braille: tables"
            ) from exc
        finally:
            _log_to(self.louis, None)
        self._fold_cache: dict[str, str] = {}
        self._contracted: bool | None = None
        self._undefined_cache: dict[str, bool] = {}
        self._translated: dict[tuple[str, tuple[int, ...] | None], tuple[str, tuple[int, ...]]] = {}

    def translate(self, text: str, typeform: Sequence[int] | None = None) -> tuple[str, list[int]]:
        """``text`` → (Unicode braille, input index of each output cell).

        Remembered per translator (the layout and the fidelity check translate the
        same runs, a booklet the same texts as its leaflets): a fresh list is returned."""
        if not text:
            return "", []
        tf = tuple(typeform) if typeform and any(typeform) else None
        key = (text, tf)
        done = self._translated.get(key)
        if done is None:
            cells, in_pos, _, _ = self.louis.translate(
                self.tables, text, typeform=list(tf) if tf else None, mode=_DOTS_IO | _UC_BRL
            )
            cells = "".join(BLANK if c == " " else c for c in cells)
            done = (cells, tuple(max(0, min(p, len(text) - 1)) for p in in_pos))
            if len(self._translated) >= _MEMO:
                self._translated.clear()
            self._translated[key] = done
        return done[0], list(done[1])

    def back_translate(self, cells: str) -> str:
        """Unicode braille → text, with the same tables (blank cells are spaces)."""
        dots = "".join(chr(0x8000 | (ord(c) - 0x2800)) if "\u2800" <= c <= "\u28ff" else chr(0x8000) for c in cells)
        return str(self.louis.backTranslateString(self.tables, dots, mode=_DOTS_IO))

    def is_undefined(self, char: str) -> bool:
        """True when the tables have no braille for ``char`` (liblouis would write an escape)."""
        cached = self._undefined_cache.get(char)
        if cached is None:
            if char.isspace():
                cached = False
            else:
                cells = self.louis.translateString(self.tables, char, mode=_DOTS_IO | _UC_BRL | _NO_UNDEFINED)
                cached = not cells.strip(BLANK + " ")
            self._undefined_cache[char] = cached
        return cached

    def fold(self, word: str) -> str:
        """A key equal for words the code writes alike, ignoring case: the braille of the lower-cased word.

        Typographic and straight quotes, ``ì`` and ``/`` in Italian, fold
        alike (same cells); ``5`` and ``e`` do not (Italian writes ``5`` with
        the number sign).
        """
        key = self._fold_cache.get(word)
        if key is None:
            key = self._fold_cache[word] = self.translate(word.lower())[0]
        return key

    @property
    def contracted(self) -> bool:
        """True when the tables contract (UEB grade 2): a sample reads differently uncontracted."""
        if self._contracted is None:
            sample = "the and for of with knowledge"
            self._contracted = self.translate(sample)[0] != self.translate(sample, [NO_CONTRACT] * len(sample))[0]
        return self._contracted

    def same_braille(self, source: str, back: str) -> bool:
        """True when ``back`` is how the tables read ``source``'s own braille (an ambiguity).

        Both words with the same braille (the code writes them alike) always
        count. With contracted tables, so does ``source`` alone, contracted or
        not, translated and back-translated to ``back`` (a contraction read
        another way, ``cc`` for ``:`` in UEB). Uncontracted tables (Italian)
        get no such allowance: their braille must read back as the text.
        """
        modes = (0, NO_CONTRACT) if self.contracted else (0,)
        for tf in modes:
            cells = self.translate(source, [tf] * len(source))[0]
            if cells == self.translate(back, [tf] * len(back))[0]:
                return True
            if self.contracted and self.back_translate(cells).strip() == back:
                return True
        return False


def has_escape(text: str) -> bool:
    """True when back-translated text holds liblouis's escape for an undefined character or cell."""
    return bool(_ESCAPE.search(text))


def normalise(text: str) -> str:
    """NFC, as liblouis's tables define precomposed accented letters."""
    return unicodedata.normalize("NFC", text)
