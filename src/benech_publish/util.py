"""Small helpers with no domain knowledge: atomic writes, reproducible dates.

Takes: bytes and paths, the environment. Gives: files that are either the old
or the new version, never half of one; the build date (``SOURCE_DATE_EPOCH``
when set, so the same content gives the same bytes).
"""

from __future__ import annotations

import base64
import datetime as dt
import glob
import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and rename.

    A reader (or a crash) sees either the previous file or the complete new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def remove_partial_writes(path: str | Path) -> None:
    """Remove the temporary files :func:`atomic_write` left for ``path`` in a process that
    was killed while writing it (the finished file, if any, is untouched)."""
    path = Path(path)
    for partial in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        partial.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()  # read once: os.umask() can only be read by setting it


def source_date() -> dt.datetime:
    """The build time: ``SOURCE_DATE_EPOCH`` (UTC) when set, else now (UTC, whole seconds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def digest(*parts: str | bytes) -> str:
    """A short stable hash of the parts (used for content-derived identifiers)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def data_uri(path: str | Path) -> str:
    """A file as a ``data:`` URL. Used for images in every output: a ``file:``
    URL would put the checkout's path into the bytes (WeasyPrint names image
    objects after a hash of their URL), breaking reproducibility."""
    path = Path(path)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
