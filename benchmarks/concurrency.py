"""Many merchandisers at once: browser tabs on Recommend, each changing the shopper.

    python benchmarks/concurrency.py [--tabs 8] [--changes 5] [--epochs 3] [--keep DIR]
                                     [--no-floor]

Ingests the bundled sample shop into a scratch workspace and trains SASRec for `--epochs`
epochs (both through the CLI), serves the app (`python -m seqrec_core.ui.serve`, loopback,
env SEQREC_WORKSPACE) and drives it with Playwright and Debian's chromium
(`SEQREC_CHROMIUM` or /usr/bin/chromium). One tab first opens Recommend on the cold server
(imports, model and graph loading: reported apart, it is paid once per server). Then
`--tabs` tabs of the same browser (one HTTP cache, as a team member's browser that has
opened the app before; each tab is a Streamlit session of its own) open
`/recommend?...&user=U` at the same moment and change the shopper `--changes` times through
the page's shopper picker, without pauses and each to a shopper nobody has opened yet (the
caches shared across sessions never answer for a shopper, only for the run and graph).

A page load runs from `goto` until the page has settled on its shopper: the Shopper box
shows the id, the page's opening sentence is about that shopper ("<id> would be shown …"),
Streamlit's status widget no longer says it is running, and the tab has received the
server's "script finished" for the step. A shopper change runs from the click on the option
to the same.
A failure is a step that shows an exception or an error box, or does not settle in time.

Prints failures, p50/p95 page load, p50/p95 shopper change and the server's resident memory
(VmRSS of /proc/<pid>/status) idle, after the cold page, and after the load; the browser
runs on the same CPUs as the server, as a team's laptops would not.
Targets: 0 failures, p95 page load ≤ 5 s, p95 shopper change ≤ 2 s.

Each step is also timed as the server answered it, read from the tab's websocket (Streamlit's
own messages): from the tab's first request to run the page after the step began until
the server's last "script finished" before the page settled. The difference to the tab's
figure is the browser's own work (loading the page's code, drawing), which on this machine
competes with the server and seven other tabs for two cores.

The floor: before Recommend, the same tabs take the same steps on `floor_page.py` (a
shopper picker and one sentence, no model: what Streamlit and the browser cost by
themselves on this machine), and the run ends with Recommend's p50 / p95 over the floor's.
When the floor alone is near a target, the target measures the machine, not the page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from app_server import (
    CHROMIUM_ARGS,
    DATASET,
    free_port,
    prepare,
    scratch_folder,
    serve,
    shopper_counts,
    stop,
)

FLOOR_PAGE = Path(__file__).with_name("floor_page.py")
FLOOR_OPTIONS = 200  # shoppers the floor page's picker offers, most active first
SETTLE_TIMEOUT_MS = 120_000  # a step that takes longer counts as a failure
# The page has settled on `user` (the sentence about their list shown, no script running).
_SETTLED_JS = """
(user) => {
  const box = [...document.querySelectorAll('input[role="combobox"]')]
    .find((el) => (el.getAttribute('aria-label') || '').startsWith('Shopper'));
  const picked = box && (box.value || '').startsWith(user + ' · ');
  const told = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .some((el) => ['would be shown', 'has too little history']
      .some((verb) => (el.textContent || '').startsWith(user + ' ' + verb)));
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const running = status && /running/i.test(status.textContent || '');
  const broken = document.querySelector(
    '[data-testid="stException"], [data-testid="stAlertContentError"]');
  return Boolean(broken) || Boolean(picked && told && !running);
}
"""


@dataclass
class Figures:
    """What the tabs measured (seconds) and what went wrong."""

    loads: list[float] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    server_loads: list[float] = field(default_factory=list)
    server_changes: list[float] = field(default_factory=list)


class ServerClock:
    """When a tab asked the server to run its page, and when the server finished a run."""

    def __init__(self, page) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.asked: list[float] = []
        self.finished: list[float] = []
        done = {
            ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
            ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        }

        def sent(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                message = BackMsg.FromString(payload)
                if message.WhichOneof("type") == "rerun_script":
                    self.asked.append(time.perf_counter())

        def received(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                message = ForwardMsg.FromString(payload)
                if (
                    message.WhichOneof("type") == "script_finished"
                    and message.script_finished in done
                ):
                    self.finished.append(time.perf_counter())

        def connected(socket) -> None:
            socket.on("framesent", sent)
            socket.on("framereceived", received)

        page.on("websocket", connected)

    async def finished_since(self, began: float, timeout: float = 10.0) -> float:
        """When the tab heard that the server finished the step's run (the page can look
        settled just before that message arrives); now, if none comes within `timeout` s."""
        waited = time.perf_counter()
        while time.perf_counter() - waited < timeout:
            asked = [t for t in self.asked if t >= began]
            if asked and any(t > asked[0] for t in self.finished):
                return time.perf_counter()
            await asyncio.sleep(0.02)
        return time.perf_counter()

    def answer(self, began: float, settled: float) -> float | None:
        """Seconds from the first request after `began` to the last finish before `settled`."""
        asked = [t for t in self.asked if began <= t <= settled]
        finished = [t for t in self.finished if began <= t <= settled]
        return finished[-1] - asked[0] if asked and finished and finished[-1] > asked[0] else None


def _cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far by process `pid`, or by the whole machine (all cores)."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is None:
        user, nice, system = Path("/proc/stat").read_text().split()[1:4]
        return (int(user) + int(nice) + int(system)) / ticks
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def _rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _settle(page, user: str) -> str | None:
    """Wait for the page to settle on `user`; the failure, or None."""
    try:
        await page.wait_for_function(_SETTLED_JS, arg=user, timeout=SETTLE_TIMEOUT_MS)
    except Exception as error:  # Playwright's TimeoutError, or a crashed tab
        return f"did not settle on {user}: {type(error).__name__}"
    if await page.locator('[data-testid="stException"]').count():
        return f"exception shown for {user}"
    alerts = page.locator('[data-testid="stAlertContentError"]')
    if await alerts.count():
        return f"error box for {user}: {(await alerts.first.inner_text())[:200]}"
    return None


def _keep(values: list[float], value: float | None) -> None:
    if value is not None:
        values.append(value)


async def _tab(context, url: str, users: list[str], figures: Figures, name: str) -> None:
    """One merchandiser: open the first shopper's link, then pick the others in turn."""
    page = await context.new_page()
    clock = ServerClock(page)
    try:
        started = time.perf_counter()
        await page.goto(f"{url}&user={users[0]}", timeout=SETTLE_TIMEOUT_MS)
        failure = await _settle(page, users[0])
        if failure:
            figures.failures.append(f"{name} load: {failure}")
            return
        settled = await clock.finished_since(started)
        figures.loads.append(settled - started)
        _keep(figures.server_loads, clock.answer(started, settled))
        for user in users[1:]:
            box = page.get_by_role("combobox", name="Shopper", exact=True)
            await box.click()
            await box.fill(user)  # the picker filters its options by the typed text
            option = page.get_by_role("option", name=re.compile(rf"^{re.escape(user)} · "))
            await option.first.wait_for(timeout=SETTLE_TIMEOUT_MS)
            started = time.perf_counter()
            await option.first.click()
            failure = await _settle(page, user)
            if failure:
                figures.failures.append(f"{name} change: {failure}")
                return
            settled = await clock.finished_since(started)
            figures.changes.append(settled - started)
            _keep(figures.server_changes, clock.answer(started, settled))
    except Exception as error:  # a step Playwright could not take counts as a failure
        figures.failures.append(f"{name}: {type(error).__name__}: {str(error)[:200]}")
    finally:
        await page.close()


async def _drive(url: str, users: list[str], tabs: int, changes: int, pid: int) -> dict:
    from playwright.async_api import async_playwright

    chromium = os.environ.get("SEQREC_CHROMIUM", "/usr/bin/chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        rss_idle = _rss_mb(pid)
        cold = Figures()
        await _tab(context, url, users[:1], cold, "cold tab")
        rss_warm = _rss_mb(pid)
        figures = Figures()
        per_tab = changes + 1
        began, server_cpu, machine_cpu = time.perf_counter(), _cpu_seconds(pid), _cpu_seconds()
        await asyncio.gather(
            *(
                _tab(
                    context,
                    url,
                    users[1 + i * per_tab : 1 + (i + 1) * per_tab],
                    figures,
                    f"tab {i}",
                )
                for i in range(tabs)
            )
        )
        cpu = (
            time.perf_counter() - began,
            _cpu_seconds(pid) - server_cpu,
            _cpu_seconds() - machine_cpu,
        )
        rss_after, peak = _rss_mb(pid), _rss_mb(pid, "VmHWM")
        await browser.close()
    return {"cold": cold, "load": figures, "rss": (rss_idle, rss_warm, rss_after), "cpu": cpu,
            "peak": peak}  # fmt: skip


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
    )


def _line(label: str, values: list[float], target: float) -> str:
    if not values:
        return f"{label:<16} no measurements"
    p50, p95 = statistics.median(values), _p(values, 0.95)
    verdict = "meets" if p95 <= target else "misses"
    return (
        f"{label:<16} p50 {p50:6.2f} s   p95 {p95:6.2f} s   max {max(values):6.2f} s   "
        f"n={len(values)}   ({verdict} the target p95 ≤ {target:g} s)"
    )


def _measure(workspace: Path, log: Path, path: str, users: list[str], args, **serving) -> dict:
    """Serve (`app_server.serve`, with `serving`), drive the tabs on `path`, stop."""
    port = free_port()
    server = serve(workspace, port, log, **serving)
    try:
        url = f"http://127.0.0.1:{port}/{path}"
        return asyncio.run(_drive(url, users, args.tabs, args.changes, server.pid))
    finally:
        stop(server)


def _floor(folder: Path, workspace: Path, counts, users: list[str], args) -> dict:
    """The same tabs and steps on `floor_page.py` (Streamlit and the browser alone)."""
    listed = folder / "floor_shoppers.tsv"
    listed.write_text(
        "".join(f"{u}\t{counts[u]}\n" for u in counts.index[:FLOOR_OPTIONS]), encoding="utf-8"
    )
    env = {"SEQREC_FLOOR_SHOPPERS": str(listed)}
    log = folder / "floor_server.log"
    return _measure(workspace, log, "?page=floor", users, args, script=FLOOR_PAGE, env=env)


def _report(title: str, result: dict, args, log: Path) -> list[str]:
    """Print one page's figures; returns its failures."""
    cold, load = result["cold"], result["load"]
    idle, warm, after = result["rss"]
    wall, server_cpu, machine_cpu = result["cpu"]
    print(f"\n{title}")
    print(
        f"CPUs: {os.cpu_count()}, shared by the server and chromium; during the load "
        f"({wall:.0f} s) the server used {server_cpu:.0f} CPU-s, the whole machine "
        f"{machine_cpu:.0f} CPU-s"
    )
    if cold.loads:
        print(f"first page load on the cold server: {cold.loads[0]:.1f} s (once per server)")
    failures = cold.failures + load.failures
    steps = args.tabs * (args.changes + 1)
    print(f"{args.tabs} tabs × {args.changes} shopper changes at once:")
    print(f"failures         {len(failures)} of {steps + 1} steps   (target 0)")
    for failure in failures[:10]:
        print(f"  - {failure}")
    print(_line("page load", load.loads, 5.0))
    print(_line("shopper change", load.changes, 2.0))
    print("as the server answered (its websocket; the rest is the browser's own work):")
    print(_line("page load", load.server_loads, 5.0))
    print(_line("shopper change", load.server_changes, 2.0))
    print(
        f"server RSS       idle {idle:,.0f} MB   after the cold page {warm:,.0f} MB   "
        f"after the load {after:,.0f} MB   (peak {result['peak']:,.0f} MB)"
    )
    if failures:
        print(f"server log: {log}" if args.keep else log.read_text()[-3000:])
    return failures


def _ratios(floor: dict, app: dict) -> None:
    """Recommend's p50 and p95 over the floor page's, tab-side."""
    print("\nRecommend over the floor page (tab-side p50 / p95):")
    for label, attribute in (("page load", "loads"), ("shopper change", "changes")):
        ours, least = getattr(app["load"], attribute), getattr(floor["load"], attribute)
        if ours and least:
            p50 = statistics.median(ours) / statistics.median(least)
            p95 = _p(ours, 0.95) / _p(least, 0.95)
            print(f"{label:<16} ×{p50:.2f} / ×{p95:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=8)
    parser.add_argument("--changes", type=int, default=5, help="shopper changes per tab")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the workspace in")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the floor page (floor_page.py) run"
    )
    args = parser.parse_args()

    folder = scratch_folder(args.keep, "seqrec-concurrency-")
    workspace = folder / "ws"
    started = time.perf_counter()
    run_id = prepare(workspace, args.epochs)
    counts = shopper_counts(workspace)
    # the most active shoppers, all among the pickers' first options
    users = [str(u) for u in counts.index[: 1 + args.tabs * (args.changes + 1)]]
    print(
        f"workspace ready (sample ingested, {run_id} trained) in {time.perf_counter() - started:.0f} s"
    )
    floor = None
    if not args.no_floor:
        floor = _floor(folder, workspace, counts, users, args)
        title = "Floor page (a shopper picker and one sentence: Streamlit and chromium alone)"
        _report(title, floor, args, folder / "floor_server.log")
    log = folder / "server.log"
    result = _measure(workspace, log, f"recommend?dataset={DATASET}&run={run_id}", users, args)
    failures = _report("Recommend", result, args, log)  # the exit status: Recommend's failures
    if floor is not None:
        _ratios(floor, result)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
