"""An executed report notebook as one self-contained, accessible HTML page (nbconvert, in process).

The page uses jeugdlib's template (``report_template/jeugdlib_rapport``): JupyterLab's
layout with its CSS inlined, **no** scripts from a CDN (require.js, MathJax, Mermaid,
widgets), ``lang="nl"`` and print CSS (A4, no page breaks inside figures or table
rows) for the PDF beside it. Code cells, prompts and ``stderr`` streams (log lines,
which can hold local paths) are left out.

:func:`check_self_contained` is the gate every report passes before it is
published: nothing may be loaded from outside the file, and every image needs alt
text. A report that fails it is not published (the previous one stays).

One :class:`~nbconvert.HTMLExporter` is kept per thread: building one (loading the
templates) costs more than using it.
"""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

__all__ = ["TEMPLATE_DIR", "check_self_contained", "notebook_html"]

#: Folder holding the ``jeugdlib_rapport`` nbconvert template.
TEMPLATE_DIR = Path(__file__).resolve().parent / "report_template"
TEMPLATE_NAME = "jeugdlib_rapport"

_local = threading.local()


def _exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its BeautifulSoup pass over the finished page.

        That pass (nbconvert 7) parses and re-serialises the whole page to add English
        placeholder alt text and tab stops: over a second per report with inline SVG maps.
        jeugdlib's figures carry Dutch alt text, and :func:`check_self_contained` refuses an
        image without it. Everything else is :meth:`HTMLExporter.from_notebook_node`.
        """

        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> Any:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_filter = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", data_filter)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def _exporter() -> Any:
    exp = getattr(_local, "exporter", None)
    if exp is None:
        exp = _exporter_class()(
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            language_code="nl",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        _local.exporter = exp
    return exp


def notebook_html(nb: Any, title: str) -> str:
    """The HTML page of an executed notebook node (code and ``stderr`` left out), titled ``title``."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            outputs = cell.get("outputs", [])
            cell["outputs"] = [o for o in outputs if not (o.get("output_type") == "stream" and o["name"] == "stderr")]
    nb.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


# Attributes that make a browser fetch something, per tag (an <a href> is a link, not a fetch).
_FETCHING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
    "input": ("src",),
    "form": ("action",),
    "base": ("href",),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*([^'")\s]+)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)


def _local_ref(value: str) -> bool:
    v = value.strip().lower()
    return v.startswith(("data:", "#")) or v == ""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lang: str | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        for attr in _FETCHING.get(tag, ()):
            if attr in a and not _local_ref(a[attr]):
                if tag == "link" and a.get("rel", "").lower() not in {"stylesheet", "icon", "preload", "import", ""}:
                    continue
                self.problems.append(f"<{tag} {attr}={a[attr][:80]!r}> laadt iets van buiten het bestand")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh> stuurt de lezer door")
        if tag == "img" and not a.get("alt", "").strip():
            self.problems.append(f"<img> zonder alt-tekst ({a.get('src', '')[:40]!r})")
        if "style" in a:
            self._check_css(a["style"], f"style van <{tag}>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._check_css(data, "<style>")

    def _check_css(self, css: str, where: str) -> None:
        for m in _CSS_URL.finditer(css):
            if not _local_ref(m.group(1)):
                self.problems.append(f"{where}: url({m.group(1)[:80]}) laadt iets van buiten het bestand")
        if _CSS_IMPORT.search(css):
            self.problems.append(f"{where}: @import laadt iets van buiten het bestand")


def check_self_contained(html: str) -> list[str]:
    """Problems that keep ``html`` from being a self-contained, accessible Dutch page ([] when none).

    Checked: nothing fetched from outside the file (scripts, style sheets, images, frames,
    SVG ``<image>``/``<use>``, CSS ``url()``/``@import``, form actions, ``<base>``,
    meta refresh), ``lang="nl"`` on ``<html>``, and alt text on every ``<img>``.
    """
    checker = _Checker()
    checker.feed(html)
    checker.close()
    problems = list(checker.problems)
    if checker.lang != "nl":
        problems.append(f'<html lang="{checker.lang}">: het rapport is Nederlands (lang="nl")')
    return problems
