"""How long the app takes to answer a click: pages, shopper change, what-if edits, filters.

    python benchmarks/ui_latency.py [--repeats 6] [--epochs 1] [--port 8610] [--keep DIR]
                                    [--verbose]

Ingests the bundled sample shop into a scratch workspace and trains a small SASRec
(`--epochs` epochs, 32-dim, item ids only) through the CLI, serves the app
(`python -m seqrec_core.ui.serve`, loopback, env SEQREC_WORKSPACE) and drives one browser
tab (1,280×800) with Playwright and Debian's chromium (`SEQREC_CHROMIUM` or
/usr/bin/chromium). Every action is timed from the click (or `goto`) until the page has
settled: the server has sent the end of a script run that completed (a full run, or a
fragment's run; a run cut short by `st.rerun` does not count), Streamlit's running
indicator is gone, and the browser has painted two frames since.

Actions, each `--repeats` times (after one untimed warm-up of the server):
  - open every page through the sidebar navigation (same session, as a user would),
  - change shopper on Recommend (type a shopper with 20-30 events in the search box, Enter),
  - what-if edits on Recommend: remove the newest event, change the type of the event then
    picked (timed from the click on the new type, not from opening the list), reset to the
    real history,
  - a filter on Recommend: flip "Hide items already seen".
Prints p50/p95/max per action (`--verbose`: each action's time, and whether the server ran
the page or only a fragment). Targets: p95 ≤ 1 s for what-if edits and filters.
The browser shares the CPUs with the server, so figures include its rendering; run it on
an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app_server import CHROMIUM_ARGS, DATASET, prepare, scratch_folder, serve, shopper_counts, stop

PAGES = (
    "Data",
    "Train",
    "Explain",
    "Profile",
    "Shoppers",
    "Search",
    "Recommend",
)  # Recommend last: its actions follow
SETTLE_TIMEOUT_S = 120.0  # an action that takes longer is reported as a failure
TARGETS = {"what-if remove": 1.0, "what-if type": 1.0, "what-if reset": 1.0, "filter": 1.0}
_RUNNING_JS = """() => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  return Boolean(status && /running/i.test(status.textContent || ''));
}"""
_TWO_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


@dataclass
class Timings:
    """Seconds per action, and what went wrong."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, action: str, value: float) -> None:
        self.seconds.setdefault(action, []).append(value)


def _typical_shoppers(workspace: Path, count: int) -> list[str]:
    """`count` shoppers with a typical history (20–30 events), most active first."""
    counts = shopper_counts(workspace)
    return [str(u) for u in counts[(counts >= 20) & (counts <= 30)].index[:count]]


class Tab:
    """One browser tab on the app that counts the script runs the server reports finished."""

    def __init__(self, page) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.page = page
        self.finished = 0  # completed runs (full or fragment) since the tab opened
        done = ForwardMsg.ScriptFinishedStatus
        self._complete = {done.FINISHED_SUCCESSFULLY, done.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
        self._fragment_done = done.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        self.finished_at = 0.0  # when the last run ended (perf_counter)
        self.fragment = False  # whether that run was a fragment's
        self.verbose = False
        self._message = ForwardMsg
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            return
        try:
            message = self._message.FromString(payload)
        except Exception:  # a frame that is not a ForwardMsg (none expected): ignore it
            return
        if message.WhichOneof("type") == "script_finished":
            self.finished += message.script_finished in self._complete
            self.finished_at = time.perf_counter()
            self.fragment = message.script_finished == self._fragment_done

    def timed(self, act: Callable[[], None]) -> float:
        """Seconds from `act()` until the page has settled on its answer.

        Raises:
            TimeoutError: it did not settle within SETTLE_TIMEOUT_S.
        """
        before = self.finished
        started = time.perf_counter()
        act()
        while self.finished == before or self.page.evaluate(_RUNNING_JS):
            if time.perf_counter() - started > SETTLE_TIMEOUT_S:
                raise TimeoutError(f"no settled page after {SETTLE_TIMEOUT_S:.0f} s")
            self.page.wait_for_timeout(10)  # lets Playwright deliver the websocket frames
        self.page.evaluate(_TWO_FRAMES_JS)
        seconds = time.perf_counter() - started
        if self.verbose:
            kind = "fragment" if self.fragment else "page"
            print(f"  {seconds:6.2f} s ({kind} run ended at {self.finished_at - started:.2f} s)")
        return seconds

    def key(self, key: str):
        """The element drawn with widget key `key` (Streamlit marks it `st-key-<key>`)."""
        return self.page.locator(f".st-key-{key}")


def _pick_shopper(tab: Tab, user: str) -> float:
    """Find `user` with the search box (type the id, Enter); seconds from Enter to settled.

    Raises:
        AssertionError: the page did not switch to `user`.
    """
    search = tab.page.get_by_role("textbox", name="Search user id")
    search.fill(user)
    seconds = tab.timed(lambda: search.press("Enter"))
    shown = tab.page.get_by_role("combobox", name="Shopper", exact=True).input_value()
    assert shown.startswith(f"{user} · "), f"the Shopper box shows {shown!r}, not {user}"
    return seconds


def _measure(tab: Tab, timings: Timings, users: list[str], repeats: int) -> None:
    """Every action `repeats` times; an action that fails is recorded and skipped."""
    nav = tab.page.get_by_test_id("stSidebarNav")
    steps: list[tuple[str, Callable[[], None]]] = []
    for page in PAGES:
        steps.append((f"open {page}", lambda p=page: nav.get_by_role("link", name=p).click()))
    for n in range(repeats):
        for action, act in steps:
            try:
                if tab.verbose:
                    print(action)
                timings.add(action, tab.timed(act))
            except Exception as error:  # a step Playwright could not take, or a timeout
                timings.failures.append(f"{action} #{n + 1}: {type(error).__name__}: {error}"[:300])
        try:
            _recommend_actions(tab, timings, users[n % len(users)])
        except Exception as error:
            timings.failures.append(f"recommend #{n + 1}: {type(error).__name__}: {error}"[:300])


def _choose(tab: Tab, label: str) -> float:
    """Open the select box labelled `label` and pick another option; seconds from the
    option's click (the edit: opening the list runs nothing on the server) to settled."""
    box = tab.page.get_by_role("combobox", name=label, exact=True)
    current = box.input_value()
    box.click()
    options = tab.page.get_by_role("option")
    options.first.wait_for()
    names = [text.strip() for text in options.all_inner_texts()]
    option = next(name for name in names if name != current)
    return tab.timed(tab.page.get_by_role("option", name=option, exact=True).click)


def _recommend_actions(tab: Tab, timings: Timings, user: str) -> None:
    """On Recommend (open): change shopper, what-if edits (remove the newest event, change
    an event's type, reset to the real history) and one filter."""
    timings.add("change shopper", _pick_shopper(tab, user))
    remove = tab.key("whatif_remove").locator("button").first
    timings.add("what-if remove", tab.timed(remove.click))
    timings.add("what-if type", _choose(tab, "Event type"))
    reset = tab.key("whatif_reset").locator("button").first
    timings.add("what-if reset", tab.timed(reset.click))
    filters = tab.page.get_by_test_id("stExpander").filter(has_text="Filters")
    seen = tab.key("rec_seen")
    if not seen.is_visible():
        filters.locator("summary").first.click()
        seen.wait_for(state="visible")
    timings.add("filter", tab.timed(lambda: seen.locator("label").first.click()))


def _drive(url: str, users: list[str], repeats: int, verbose: bool) -> Timings:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("SEQREC_CHROMIUM", "/usr/bin/chromium")
    timings = Timings()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(SETTLE_TIMEOUT_S * 1000)
        tab = Tab(page)
        tab.verbose = verbose
        cold = tab.timed(lambda: page.goto(url))
        print(f"first Recommend page on the cold server: {cold:.1f} s (once per server)")
        warm_up = Timings()  # one untimed round: every page's caches filled once
        _measure(tab, warm_up, users[-1:], 1)
        timings.failures += warm_up.failures
        _measure(tab, timings, users[:-1], repeats)
        browser.close()
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _report(timings: Timings) -> None:
    print(f"{'action':<18}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'n':>4}   target")
    for action, values in timings.seconds.items():
        target = TARGETS.get(action)
        verdict = "" if target is None else (
            f"p95 ≤ {target:g} s: {'meets' if _p95(values) <= target else 'misses'}")  # fmt: skip
        print(f"{action:<18}{statistics.median(values):8.2f}{_p95(values):8.2f}"
              f"{max(values):8.2f}{len(values):4d}   {verdict}")  # fmt: skip
    print(f"failures: {len(timings.failures)}")
    for failure in timings.failures[:10]:
        print(f"  - {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--port", type=int, default=8610)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the workspace in")
    parser.add_argument(
        "--verbose", action="store_true", help="print each action's time and run kind"
    )
    args = parser.parse_args()

    folder = scratch_folder(args.keep, "seqrec-ui-latency-")
    workspace = folder / "ws"
    started = time.perf_counter()
    run_id = prepare(workspace, args.epochs, ("--item-text", "off", "--set", "hidden_size=32"))
    users = _typical_shoppers(workspace, args.repeats + 2)
    print(f"workspace ready ({run_id}) in {time.perf_counter() - started:.0f} s; "
          f"{os.cpu_count()} CPUs shared by the server and chromium")  # fmt: skip
    log = folder / "server.log"
    server = serve(workspace, args.port, log)
    url = f"http://127.0.0.1:{args.port}/recommend?dataset={DATASET}&run={run_id}&user={users[0]}"
    try:
        timings = _drive(url, users[1:], args.repeats, args.verbose)
    finally:
        stop(server)
    _report(timings)
    if timings.failures:
        print(f"server log: {log}" if args.keep else log.read_text()[-3000:])
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if timings.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
