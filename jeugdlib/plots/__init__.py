"""Figures (matplotlib/seaborn). One module per capability; every function returns a Figure.

- :mod:`jeugdlib.plots.scp` — observed vs expected, caterpillar, coefficient plots.
- :mod:`jeugdlib.plots.maps` — choropleth maps of wijk values.
- :mod:`jeugdlib.plots.did`, :mod:`jeugdlib.plots.trajectories`, :mod:`jeugdlib.plots.multilevel`.
"""
