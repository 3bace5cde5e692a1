"""Writers: rendered XHTML → output files (``html``, ``pdf``, ``epub``).

Each writer takes model objects plus a shared :class:`~benech_publish.render.Renderer`
and returns bytes; writing files (atomically) is the build's job. Writers that
need WeasyPrint import it lazily, so ``check`` stays fast.
"""
