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

While the server starts, a background thread imports what the pages need (`WARM_UP`:
torch, transformers, networkx and captum behind them, about 10 s on two cores), so the
first visitor does not look at an empty page while they load. That thread first sets the
server's torch operations to one thread each (`devices.use_serve_threads`): on two
cores, one thread per request took a personalised search's p95 on UCI Online Retail from
109 to 18 ms; training runs in worker processes with every core.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[2] / "app.py"
# The pages' blocks; importing them imports every heavy library a page uses.
WARM_UP = (
    "seqrec_core.ui.data_views",
    "seqrec_core.ui.train_views",
    "seqrec_core.ui.explain_views",
    "seqrec_core.ui.profile_views",
    "seqrec_core.ui.shoppers_views",
    "seqrec_core.ui.recommend_shopper_views",
    "seqrec_core.ui.search_views",
)
_LOG = logging.getLogger(__name__)


def warm_up(modules: Sequence[str] = WARM_UP) -> list[str]:
    """Import `modules`; returns those that failed (logged; the page that needs one shows
    the error to its user)."""
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # whatever a module raises on import, its page raises it again
            _LOG.exception("warm-up import of %s failed", name)
            failed.append(name)
    return failed


def prepare_server(modules: Sequence[str] = WARM_UP) -> list[str]:
    """The server's torch threads (`devices.use_serve_threads`), then `warm_up(modules)`."""
    from seqrec_core.errors import ConfigError
    from seqrec_core.training.devices import use_serve_threads

    try:
        _LOG.info("torch runs on %d thread(s) per operation in this server", use_serve_threads())
    except ConfigError as error:  # a bad SEQREC_SERVE_THREADS: say so, keep torch's default
        _LOG.error("%s; keeping torch's default thread count", error)
    return warm_up(modules)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve app.py with `argv` passed on to `streamlit run`, preparing the server
    (`prepare_server`) in the background meanwhile."""
    PagesManager.uses_pages_directory = False
    threading.Thread(target=prepare_server, name="seqrec-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
