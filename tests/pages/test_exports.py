"""CSV downloads of the pages: what a spreadsheet opens from them is text, not formulas."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from seqrec_core import Workspace, ingest
from seqrec_core.ui import loaders

PAYLOAD = '=HYPERLINK("http://evil.example","click")'


def test_rejected_rows_download_quotes_formulas(ws: Workspace, tmp_path: Path) -> None:
    """Regression: a rejected row's raw value (the uploader's own text) reached the
    analyst's spreadsheet as a live formula."""
    log = tmp_path / "log.csv"
    log.write_text(
        "user_id,item_id,timestamp\n"
        "u1,i1,2024-01-01\n"
        "u1,i2,2024-01-02\n"
        f'u2,i1,"{PAYLOAD.replace(chr(34), chr(34) * 2)}"\n'
    )
    info = ingest(log, ws, "shop").dataset
    data = loaders.load_rejected_csv(str(info.rejected_path))
    rejected = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    cells = set(rejected.to_numpy().ravel())
    assert "'" + PAYLOAD in cells and PAYLOAD not in cells
