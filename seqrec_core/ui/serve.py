"""Start the Streamlit server on app.py: what `make app` and the browser tests run.

`python -m seqrec_core.ui.serve [streamlit options]` is `streamlit run app.py [options]`
with one fix. Streamlit 1.67 treats an app with a `pages/` folder beside its main script
as an old-style pages-folder app until some session has run the main script's
`st.navigation`; until then a deep link such as `/train?dataset=...` runs that page file
alone (no sidebar, no shared state). Our pages are `st.Page` objects of `st.navigation`,
so the old mode is switched off before the server starts.

The server's settings are in `.streamlit/config.toml` beside app.py, which Streamlit reads
whatever the working directory; among them `client.showErrorDetails = "none"`, so a bug
shows a generic message in the browser and its traceback (server paths) only in the log.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[2] / "app.py"


def main(argv: Sequence[str] | None = None) -> None:
    """Serve app.py with `argv` passed on to `streamlit run`."""
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
