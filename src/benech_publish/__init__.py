"""benech-publish: accessible patient information, from Markdown to PDF/UA and EPUB 3.

The public API, in one place::

    from benech_publish import load, load_content, build, Options

    content = load_content("content")          # raises ContentError listing every problem
    report = build("content", "out", Options(formats=("pdf",), editions=("large",)))

Pipeline: content files → :mod:`.loader` → :mod:`.model` → :mod:`.render`
→ :mod:`.writers` → :mod:`.build`; the CLI (:mod:`.cli`) sits at the edge.
Nothing here prints or exits, and nothing heavy (WeasyPrint) is imported
until a PDF is made.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import BuildReport, Job, Progress, build, plan, run
from .errors import (
    BenechError,
    BuildError,
    ConfigError,
    ContentError,
    Diagnostic,
    ImportError_,
    JobFailure,
    Location,
    RenderError,
    Severity,
)
from .loader import LoadResult, load, load_content
from .options import DEFAULT_OPTIONS, Options
from .render import Renderer, edition

__all__ = [
    "DEFAULT_OPTIONS",
    "BenechError",
    "BuildError",
    "BuildReport",
    "ConfigError",
    "ContentError",
    "Diagnostic",
    "ImportError_",
    "Job",
    "JobFailure",
    "LoadResult",
    "Location",
    "Options",
    "Progress",
    "RenderError",
    "Renderer",
    "Severity",
    "__version__",
    "build",
    "edition",
    "load",
    "load_content",
    "plan",
    "run",
]
