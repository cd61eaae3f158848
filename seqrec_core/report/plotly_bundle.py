"""plotly.js for the review report: the smallest bundle that draws every figure, embedded once.

The full plotly.js that ships with plotly.py is 4.8 MB, nearly all of a report. The report
only draws cartesian traces (scatter, bar, heatmap), so it embeds plotly.js's official
*cartesian* partial bundle (1.5 MB, vendored in `assets/` from the npm package
`plotly.js-cartesian-dist-min`, MIT licence beside it). The partial bundle is used only
when it is the same plotly.js version as plotly.py's own (so figures serialise to the
schema it reads) and registers every trace type the report draws; otherwise the report
falls back to the full bundle: bigger, never broken.

To refresh after a plotly upgrade: `npm pack plotly.js-cartesian-dist-min@<plotly.js
version>` and copy `plotly-cartesian.min.js` into `assets/` (a test pins the versions).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from plotly.offline import get_plotlyjs

CARTESIAN_ASSET = Path(__file__).with_name("assets") / "plotly-cartesian.min.js"
_VERSION = re.compile(r"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)")
_TRACE = re.compile(r'moduleType:"trace",name:"([a-z0-9]+)"')


@dataclass(frozen=True)
class Bundle:
    """One build of plotly.js.

    Attributes:
        source: the minified JavaScript.
        version: the plotly.js version in its header, e.g. "4.1.1".
        traces: the trace types it registers (None: every one, the full bundle).
    """

    source: str
    version: str
    traces: frozenset[str] | None

    def draws(self, trace_types: Iterable[str]) -> bool:
        """Whether this bundle registers every one of `trace_types`."""
        return self.traces is None or set(trace_types) <= self.traces


def _version(source: str) -> str:
    found = _VERSION.search(source[:500])
    return found.group(1) if found else ""


@functools.cache
def full_bundle() -> Bundle:
    """The complete plotly.js shipped with plotly.py."""
    source = get_plotlyjs()
    return Bundle(source, _version(source), None)


@functools.cache
def cartesian_bundle() -> Bundle | None:
    """The vendored cartesian partial bundle, or None when it is missing or unusable
    (another version than plotly.py's, or text that would end the page's script tag)."""
    if not CARTESIAN_ASSET.is_file():
        return None
    source = CARTESIAN_ASSET.read_text(encoding="utf-8")
    bundle = Bundle(source, _version(source), frozenset(_TRACE.findall(source)))
    if bundle.version != full_bundle().version or "</script" in source.lower():
        return None
    return bundle


def plotly_js(trace_types: Iterable[str]) -> Bundle:
    """The smallest bundle that draws every trace type in `trace_types`.

    Args:
        trace_types: the `type` of every trace the page draws ("scatter", "bar", ...).
    """
    needed = set(trace_types)
    partial = cartesian_bundle()
    return partial if partial is not None and partial.draws(needed) else full_bundle()
