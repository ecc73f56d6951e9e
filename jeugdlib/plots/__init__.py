"""Figures (matplotlib/seaborn) and inline-SVG maps. One module per capability.

- :mod:`jeugdlib.plots.scp` — observed vs expected, caterpillar, coefficient plots.
- :mod:`jeugdlib.plots.maps` — static choropleth maps of wijk values (matplotlib).
- :mod:`jeugdlib.plots.svgmap` — interactive, self-contained inline-SVG maps for the HTML reports.
- :mod:`jeugdlib.plots.did`, :mod:`jeugdlib.plots.trajectories`, :mod:`jeugdlib.plots.multilevel`.
- :func:`figure_html` — a matplotlib figure as an accessible HTML ``<figure>`` with a data: URI.
"""

from jeugdlib.plots._figure import figure_html

__all__ = ["figure_html"]
