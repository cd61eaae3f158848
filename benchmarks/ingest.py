"""Ingestion speed and memory on a million-row event log, against pandas.read_csv.

    python benchmarks/ingest.py [--rows 1000000] [--keep DIR]

Generates (once, seeded) a CSV in the public `event_time,event_type,product_id,...`
shape, then measures in separate child processes, so each peak is its own:
  1. `pandas.read_csv` of the file (the baseline: reading only),
  2. `seqrec_core.ingest.pipeline` end to end (read, map, validate, catalog, Parquet, register).
  3. `pandas.read_csv(dtype=str)`: the like-for-like read (every value kept as written, as
     ingest keeps ids like 00123 verbatim).
Prints seconds, rows/s, peak resident memory, the ratios, and where ingest spends its
time. Targets for 1M rows on the 2-core CI machine: at most 15 s and 2 GB, and no slower
than pandas.read_csv alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_EVENTS = np.array(["view", "view", "view", "view", "view", "view", "cart", "purchase"])
_CATEGORIES = np.array(
    [
        "electronics.smartphone",
        "appliances.kitchen.washer",
        "computers.notebook",
        "apparel.shoes",
        "furniture.living_room.sofa",
        "",
    ]
)
_BRANDS = np.array(["samsung", "apple", "xiaomi", "huawei", "lg", "bosch", "sony", ""])


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A REES46-shaped log with a Zipf item popularity; written in 100k-row chunks."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2019-10-01T00:00:00")
    with path.open("w") as out:
        out.write(
            "event_time,event_type,product_id,category_id,category_code,brand,price,"
            "user_id,user_session\n"
        )
        for offset in range(0, rows, 100_000):
            n = min(100_000, rows - offset)
            seconds = np.sort(rng.integers(0, 30 * 86_400, n))
            times = (start + seconds.astype("timedelta64[s]")).astype(str)
            items = 1_000_000 + rng.zipf(1.3, n) % 200_000
            users = 500_000_000 + rng.integers(0, rows // 3 + 1, n)
            cat = rng.integers(0, len(_CATEGORIES), n)
            lines = [
                f"{t.replace('T', ' ')} UTC,{e},{i},{2_053_013_552_326_770_000 + c},{cc},{b},"
                f"{p:.2f},{u},{u:x}-{s:04x}\n"
                for t, e, i, c, cc, b, p, u, s in zip(
                    times,
                    _EVENTS[rng.integers(0, len(_EVENTS), n)],
                    items,
                    cat,
                    _CATEGORIES[cat],
                    _BRANDS[rng.integers(0, len(_BRANDS), n)],
                    rng.gamma(2.0, 60.0, n),
                    users,
                    rng.integers(0, 9999, n),
                    strict=True,
                )
            ]
            out.writelines(lines)


def _pandas_read(path: str, as_text: str = "") -> float:
    import pandas as pd

    begin = time.perf_counter()
    frame = pd.read_csv(path, dtype=str if as_text else None)
    elapsed = time.perf_counter() - begin
    assert len(frame) > 0
    return elapsed


def _ingest(path: str, workspace: str) -> float:
    from seqrec_core.ingest.pipeline import ingest
    from seqrec_core.store import Workspace

    stages: list[tuple[float, str]] = []
    begin = time.perf_counter()
    result = ingest(
        Path(path),
        Workspace.open(workspace),
        "bench",
        progress=lambda _, message: stages.append((time.perf_counter() - begin, message)),
    )
    elapsed = time.perf_counter() - begin
    assert result.report.rows_accepted > 0
    ends = [t for t, _ in stages[1:]] + [elapsed]
    for (start, message), end in zip(stages, ends, strict=True):
        print(f"    {message:<40}{end - start:6.2f} s", file=sys.stderr)
    return elapsed


def _measure(queue: multiprocessing.Queue, name: str, *args: str) -> None:
    seconds = {"pandas": _pandas_read, "ingest": _ingest}[name](*args)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, peak_kb / 1024))


def measure(name: str, *args: str) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one measurement in a fresh process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_measure, args=(queue, name, *args))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder for the generated CSV (reused)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="seqrec-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"events-{args.rows}.csv"
    if not csv.exists():
        print(f"generating {args.rows:,} rows -> {csv}", file=sys.stderr)
        make_csv(csv, args.rows)
    size_mb = csv.stat().st_size / 2**20
    workspace = folder / "ws"
    shutil.rmtree(workspace, ignore_errors=True)

    pandas_s, pandas_mb = measure("pandas", str(csv))
    text_s, text_mb = measure("pandas", str(csv), "as_text")
    print("ingest stages:", file=sys.stderr)
    ingest_s, ingest_mb = measure("ingest", str(csv), str(workspace))
    print(f"file: {args.rows:,} rows, {size_mb:.0f} MiB")
    print(f"{'step':<30}{'seconds':>9}{'rows/s':>13}{'peak MiB':>10}")
    for label, seconds, peak in (
        ("pandas.read_csv (baseline)", pandas_s, pandas_mb),
        ("pandas.read_csv(dtype=str)", text_s, text_mb),
        ("seqrec ingest, end to end", ingest_s, ingest_mb),
    ):
        print(f"{label:<30}{seconds:>9.2f}{args.rows / seconds:>13,.0f}{peak:>10.0f}")
    print(
        f"ratio ingest / read_csv: time {ingest_s / pandas_s:.2f}x, "
        f"memory {ingest_mb / pandas_mb:.2f}x; "
        f"ingest / read_csv(dtype=str): time {ingest_s / text_s:.2f}x"
    )
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
