"""WordPress REST API page objects written for the importer tests (issue 15).

Each carries the constructs the clinic's real pages have: a classic-editor
``[caption]`` figure and other shortcodes, a table whose header spans
columns and rows, a table caption (``<caption>``, and the block editor's
``figure.wp-block-table > figcaption``), nested lists, and foreign-language
spans (one whose ``lang`` contradicts its text). ``site`` is the address the
page's ``link`` and images use.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

PROJECT = Path(__file__).parent.parent

SITE = "https://www.benech-neurochirurgia.it"


def png(colour: tuple[int, int, int], size: tuple[int, int] = (24, 16)) -> bytes:
    """A small real PNG (Pillow), a different file for each colour."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def make_content(parent: Path) -> Path:
    """An empty content folder under ``parent``: the project's site.yaml and logo, no conditions."""
    root = parent / "content"
    (root / "images").mkdir(parents=True)
    shutil.copy(PROJECT / "content" / "site.yaml", root / "site.yaml")
    shutil.copy(PROJECT / "content" / "images" / "logo.svg", root / "images" / "logo.svg")
    return root


def _page(slug: str, title: str, html: str, site: str, lang: str = "en") -> dict:
    return {
        "id": 901,
        "slug": slug,
        "status": "publish",
        "type": "page",
        "link": f"{site}/{lang}/{slug}/",
        "modified_gmt": "2025-03-04T10:00:00",
        "title": {"rendered": title},
        "content": {"rendered": html, "protected": False},
        "excerpt": {"rendered": ""},
        "yoast_head_json": {"og_locale": "en_GB" if lang == "en" else "it_IT"},
    }


def classic_page(site: str = SITE) -> dict:
    """Classic editor: shortcodes as WordPress leaves them (wptexturized quotes)."""
    html = f"""
<h2 id="definizione">Definition</h2>
<p>Trigeminal neuralgia causes brief attacks of severe facial pain.</p>
[caption id=&#8221;attachment_77&#8243; align=&#8221;aligncenter&#8221; width=&#8221;300&#8243;]<a href="{site}/wp-content/uploads/2024/05/mri.png"><img class="size-medium wp-image-77" src="{site}/wp-content/uploads/2024/05/mri.png" alt="Sagittal MRI of the brain stem" width="300" height="200" /></a> Sagittal MRI: the artery touches the nerve[/caption]
<p>Doctors call the classic form <span lang="la">tic douloureux</span>; the phrase <span lang="la">je ne sais pas pourquoi la douleur revient</span> is what patients often say.</p>
<h2 id="sintomi">Symptoms</h2>
<ul>
<li>Pain attacks
<ul>
<li>lasting seconds</li>
<li>triggered by
<ol><li>chewing</li><li>touching the face</li></ol>
</li>
</ul>
</li>
<li>Numbness (rare)</li>
</ul>
[embed]https://www.youtube.com/watch?v=abc123[/embed]
[gallery ids="12,13,14"]
[video src="{site}/wp-content/uploads/2024/05/explainer.mp4"][/video]
[su_note note_color="#eee"]Bring your previous scans to the visit.[/su_note]
[contact-form-7 id="5" title="Contact"]
<p>References are numbered [1] and quotations keep [sic].</p>
"""
    return _page("trigeminal-neuralgia", "Trigeminal Neuralgia", html, site)


def block_page(site: str = SITE) -> dict:
    """Block editor: figure + figcaption, a merged-header table with a caption."""
    html = f"""
<h2 class="wp-block-heading" id="trattamento">Treatment</h2>
<p>The options depend on the cause and on how long the pain has lasted.</p>
<figure class="wp-block-image size-large"><img src="{site}/wp-content/uploads/2024/06/mvd.png" alt="Diagram of microvascular decompression" class="wp-image-88"/><figcaption class="wp-element-caption">Microvascular decompression</figcaption></figure>
<figure class="wp-block-table"><table><thead>
<tr><th rowspan="2">Treatment</th><th colspan="2">Pain relief</th></tr>
<tr><th>At one year</th><th>At ten years</th></tr>
</thead><tbody>
<tr><td>Microvascular decompression</td><td>90%</td><td>70%</td></tr>
<tr><td>Radiosurgery</td><td>75%</td><td>45%</td></tr>
</tbody></table><figcaption class="wp-element-caption">Pain relief after each treatment</figcaption></figure>
<table><caption>Recovery time</caption><tr><th colspan="2">Stay</th></tr>
<tr><td>Hospital</td><td>2 to 4 days</td></tr></table>
<ul><li>Medicines first<ul><li>carbamazepine</li><li>oxcarbazepine</li></ul></li><li>Surgery when they fail</li></ul>
<p>The surgeon works <span lang="la">in situ</span> under the microscope.</p>
"""
    return _page("trigeminal-treatment", "Trigeminal Neuralgia Treatment", html, site)


IMAGES = {
    "/wp-content/uploads/2024/05/mri.png": (30, 60, 120),
    "/wp-content/uploads/2024/06/mvd.png": (120, 60, 30),
}
