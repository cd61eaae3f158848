"""The review report's figures: fitted to the page, thinned, and drawn by one script.

The figure functions in `seqrec_core.figures` are shared with the pages; the report adapts
a copy of each for a self-contained file a reviewer reads at any window width:

- responsive: no fixed width, `autosize`, plotly's `responsive` config, and `automargin`
  on every axis so long tick labels and axis titles grow the margins instead of being cut;
- light: line and marker traces longer than `MAX_POINTS` are thinned evenly (the first and
  last points kept), heatmap cells are sent as float32, and the plotly template (7 kB of
  JSON) is written once per page, not once per figure.

Each figure becomes an inert `<script type="application/json">` spec beside an empty
`<div>`; `FigureBook.script` draws them all once plotly.js has loaded. JSON in the page
escapes `<`, `>` and `&`, so text from the data can never close the script element.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.utils import PlotlyJSONEncoder

MAX_POINTS = 400  # points kept per line/marker trace: more is invisible at report width
_THINNED = ("x", "y", "customdata", "text", "hovertext")
CONFIG = {"responsive": True, "displaylogo": False}
_MARGIN = {"l": 10, "r": 20, "t": 70, "b": 20}  # automargin grows these to fit the labels


def script_json(value: object) -> str:
    """`value` as JSON that is safe inside an HTML `<script>` element (numpy included)."""
    text = json.dumps(value, cls=PlotlyJSONEncoder, separators=(",", ":"))
    return _escape_for_script(text)


def _escape_for_script(text: str) -> str:
    # "<", ">" and "&" occur in JSON only inside strings, where \u escapes mean the same.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _thin(trace: go.Scatter) -> None:
    """Keep `MAX_POINTS` evenly spaced points of a long line or marker trace."""
    size = 0 if trace.x is None else len(trace.x)
    if size <= MAX_POINTS:
        return
    keep = np.unique(np.linspace(0, size - 1, MAX_POINTS).round().astype(int))
    for name in _THINNED:
        values = trace[name]
        if values is not None and not isinstance(values, str) and len(values) == size:
            trace[name] = np.asarray(values)[keep]


def fit_for_report(fig: go.Figure) -> go.Figure:
    """A copy of `fig` that fits any page width, without its template, thinned and light.

    Args:
        fig: a figure from `seqrec_core.figures` (left unchanged).

    Returns:
        The adapted copy; its template is dropped (`FigureBook` writes it once per page).
    """
    out = go.Figure(fig)
    for trace in out.data:
        if trace.type in ("scatter", "scattergl"):
            _thin(trace)
        elif trace.type == "heatmap" and trace.z is not None:
            trace.z = np.asarray(trace.z, dtype=np.float32)
    margin = out.layout.margin
    out.update_layout(
        width=None,
        autosize=True,
        template=None,
        margin={side: max(getattr(margin, side) or 0, least) for side, least in _MARGIN.items()},
    )
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    return out


class FigureBook:
    """Collects a report's figures as specs and writes the one script that draws them."""

    def __init__(self) -> None:
        self._templates: dict[str, str] = {}  # template JSON → key
        self._trace_types: set[str] = set()
        self._count = 0

    @property
    def trace_types(self) -> frozenset[str]:
        """Every trace type added so far (to pick the plotly.js bundle)."""
        return frozenset(self._trace_types)

    @property
    def count(self) -> int:
        """How many figures were added."""
        return self._count

    def add(self, fig: go.Figure, *, caption: str = "") -> str:
        """`fig` as an HTML fragment: an empty plot box and its inert JSON spec.

        Args:
            fig: a figure from `seqrec_core.figures` (left unchanged).
            caption: already escaped HTML under the figure: what it shows, in words.
        """
        template = script_json(fig.layout.template.to_plotly_json())
        key = self._templates.setdefault(template, f"t{len(self._templates)}")
        fitted = fit_for_report(fig)
        self._trace_types.update(trace.type for trace in fitted.data)
        self._count += 1
        target = f"figure-{self._count}"
        spec = _escape_for_script(pio.to_json(fitted, validate=False))
        below = f"<figcaption>{caption}</figcaption>" if caption else ""
        return (
            f"<figure class='chart'><div class='plot' id='{target}'></div>{below}</figure>"
            f"<script type='application/json' class='figure-spec' data-target='{target}' "
            f"data-template='{key}'>{spec}</script>"
        )

    def script(self) -> str:
        """The templates, once, and the script that draws every spec (end of the body)."""
        templates = "{" + ",".join(f'"{k}":{t}' for t, k in self._templates.items()) + "}"
        return (
            f"<script type='application/json' id='figure-templates'>{templates}</script>"
            "<script>(function(){"
            "var templates=JSON.parse(document.getElementById('figure-templates').textContent);"
            f"var config={script_json(CONFIG)};"
            "document.querySelectorAll('script.figure-spec').forEach(function(spec){"
            "var fig=JSON.parse(spec.textContent);"
            "fig.layout.template=templates[spec.dataset.template];"
            "Plotly.newPlot(spec.dataset.target,fig.data,fig.layout,config);});"
            "})();</script>"
        )
