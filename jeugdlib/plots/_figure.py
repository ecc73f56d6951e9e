"""A matplotlib figure as a self-contained, accessible HTML ``<figure>`` (PNG as a data: URI)."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_html"]


def figure_html(fig: Figure, alt: str, caption: str | None = None, *, dpi: int = 110) -> str:
    """``<figure><img src="data:image/png;base64,…" alt="…"><figcaption>…</figcaption></figure>``.

    ``alt`` (required, non-blank) and ``caption`` are HTML-escaped. The figure is closed afterwards, also when
    rendering fails, so a report cell never leaks figures.
    """
    import matplotlib.pyplot as plt

    try:
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError("alt text is required: describe what the figure shows (in Dutch)")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt_text = html.escape(alt.strip(), quote=True)
    img = f'<img src="data:image/png;base64,{data}" alt="{alt_text}" style="max-width:100%">'
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="jl-figure">{img}{cap}</figure>'
