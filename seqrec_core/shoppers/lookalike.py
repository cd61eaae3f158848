"""Lookalike audiences: the shoppers most like a list of seed shoppers, seeds left out.

Seeds come as ids (pasted, from a file, from "bought brand X", from a segment). Ids the
run does not know are reported and the rest used; repeated ids count once. Three ways to
score a candidate were measured (`benchmarks/shoppers.py`, on the `history` vectors):

- `classifier` (the default): a logistic regression (scikit-learn) learns what sets the
  seeds apart from a seeded sample of the other shoppers (`NEGATIVES_PER_SEED` per seed,
  class-balanced); a candidate's score is its probability of being seed-like. It finds
  what the seeds share even when that is one taste among many (a brand, a product
  family): 0.60 of the sample's held-out loyal shoppers against 0.42 for `nearest`.
- `nearest`: the mean cosine similarity to the candidate's `NEAREST_SEEDS` most similar
  seeds; a seed list with several kinds of shoppers keeps all of them. Above
  `MAX_COMPARED_SEEDS` seeds a fixed, seeded sample of them is compared (stated in the notes).
- `centroid`: the cosine similarity to the mean seed; one matrix product, any size.

Each member says which seeds they are closest to, so a campaign manager can see why.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.shoppers.neighbours import top_k_cosine
from seqrec_core.shoppers.representations import ShopperVectors

METHODS = ("classifier", "nearest", "centroid")
DEFAULT_METHOD = "classifier"
METHOD_HELP = {
    "classifier": "learns what sets the seeds apart from the other shoppers (scikit-learn "
    "logistic regression); likeness is the chance of being seed-like",
    "nearest": "mean cosine similarity to each shopper's 10 most similar seeds (keeps every "
    "kind of seed)",
    "centroid": "cosine similarity to the average seed",
}
NEGATIVES_PER_SEED = 20  # other shoppers sampled per seed for the classifier
MIN_NEGATIVES, MAX_NEGATIVES = 1_000, 200_000
MAX_CLASSIFIER_SEEDS = 50_000  # above this, the classifier learns from a seeded sample
NEAREST_SEEDS = 10  # seeds a candidate is compared with under "nearest"
MAX_COMPARED_SEEDS = 5_000  # above this, "nearest" compares a seeded sample of the seeds
MAX_SEED_IDS = 2_000_000  # ids read from one paste or file
MAX_SEED_FILE_BYTES = 64 * 2**20
_SEPARATORS = re.compile(r"[\s,;]+")
_QUOTES = "\"'`"


@dataclass(frozen=True)
class Seeds:
    """The seed ids as given, sorted into those used and those not in the run.

    Attributes:
        rows: rows (in `ShopperVectors`) of the distinct known seeds, in the given order.
        known: their ids.
        unknown: distinct ids the run does not know, in the given order.
        repeated: how many ids were given more than once (extra copies).
    """

    rows: np.ndarray
    known: tuple[str, ...]
    unknown: tuple[str, ...]
    repeated: int

    def summary(self) -> str:
        """One sentence: how many seeds are used and what was set aside."""
        parts = [f"{len(self.known):,} seed shopper{'s' * (len(self.known) != 1)} used"]
        if self.unknown:
            shown = ", ".join(self.unknown[:5]) + (" …" if len(self.unknown) > 5 else "")
            parts.append(f"{len(self.unknown):,} id(s) not in this run left out ({shown})")
        if self.repeated:
            parts.append(f"{self.repeated:,} repeated id(s) counted once")
        return "; ".join(parts) + "."


def parse_ids(text: str) -> list[str]:
    """Ids separated by commas, semicolons, spaces or new lines; quotes around them dropped.

    Raises:
        ConfigError: more than `MAX_SEED_IDS` ids.
    """
    ids = [part.strip(_QUOTES) for part in _SEPARATORS.split(text)]
    ids = [part for part in ids if part]
    if len(ids) > MAX_SEED_IDS:
        raise ConfigError(
            f"{len(ids):,} ids given: at most {MAX_SEED_IDS:,} seeds are read at once — "
            "paste a smaller list, or pick the seeds by what they bought"
        )
    return ids


def _check_size(name: str, size: int) -> None:
    if size > MAX_SEED_FILE_BYTES:
        raise InputError(
            f"the seed list is {size / 2**20:,.0f} MiB, more than the "
            f"{MAX_SEED_FILE_BYTES // 2**20} MiB a seed list may be",
            file=name,
            hint="upload only the user_id column",
        )


def ids_from_bytes(name: str, data: bytes) -> list[str]:
    """Seed ids from an uploaded file: a CSV with a `user_id` column (its values), else
    the first field of every line (a plain list of ids, one per line).

    Raises:
        InputError: the file is too large or not UTF-8 text (names the file and line).
        ConfigError: more than `MAX_SEED_IDS` ids.
    """
    _check_size(name, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
        line = body[: exc.start].count(b"\n") + 1  # utf-8-sig counts after the BOM
        raise InputError(
            "this is not UTF-8 text", file=name, line=line, hint="save the list as UTF-8 text"
        ) from None
    lines = text.splitlines()
    if not lines:
        return []
    delimiter = next((d for d in (",", ";", "\t", "|") if d in lines[0]), ",")
    rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
    header = [cell.strip().strip(_QUOTES).lower() for cell in rows[0]] if rows else []
    if "user_id" in header:
        column = header.index("user_id")
        cells = [row[column] for row in rows[1:] if len(row) > column]
    else:
        cells = [row[0] for row in rows]
    ids = [cell.strip().strip(_QUOTES).strip() for cell in cells]
    ids = [i for i in ids if i]
    if len(ids) > MAX_SEED_IDS:
        raise ConfigError(
            f"{name}: {len(ids):,} ids, more than the {MAX_SEED_IDS:,} seeds read at once"
        )
    return ids


def ids_from_file(path: Path) -> list[str]:
    """`ids_from_bytes` of a file on disk (the CLI's `--seed-file`).

    Raises:
        InputError: as `ids_from_bytes`, or the file is missing.
    """
    try:
        _check_size(path.name, path.stat().st_size)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(path), hint="check the path") from None
    return ids_from_bytes(path.name, data)


def resolve_seeds(vectors: ShopperVectors, ids: list[str]) -> Seeds:
    """Sort `ids` into the run's known shoppers (distinct, in order) and the rest."""
    distinct = list(dict.fromkeys(ids))
    known = [u for u in distinct if u in vectors.rows]
    unknown = [u for u in distinct if u not in vectors.rows]
    rows = np.array([vectors.rows[u] for u in known], dtype=np.int64)
    return Seeds(rows, tuple(known), tuple(unknown), len(ids) - len(distinct))


@dataclass(frozen=True)
class Audience:
    """A lookalike audience.

    Attributes:
        seeds: the seeds it was built from.
        members: `user_id`, `score` (likeness: the classifier's probability, 0..1, or
            the cosine similarity, -1..1, of `nearest` and `centroid`), `rank` (1-based)
            and `closest_seeds` (the up to three seeds each is most like), best first.
        method: one of `METHODS`.
        notes: plain sentences about what was set aside or sampled.
    """

    seeds: Seeds
    members: pd.DataFrame
    method: str
    notes: tuple[str, ...]


def _scores(
    vectors: ShopperVectors, seed_rows: np.ndarray, method: str, seed: int
) -> tuple[torch.Tensor, str | None]:
    """(U,) every shopper's similarity to the seeds, and a note when seeds were sampled."""
    unit = vectors.unit
    if method == "classifier":
        return _classifier_scores(unit, seed_rows, seed)
    if method == "centroid":
        centre = torch.nn.functional.normalize(unit[seed_rows].mean(dim=0), dim=0)
        return unit @ centre, None
    note = None
    compared = seed_rows
    if len(seed_rows) > MAX_COMPARED_SEEDS:
        pick = np.random.default_rng(seed).choice(len(seed_rows), MAX_COMPARED_SEEDS, replace=False)
        compared = seed_rows[np.sort(pick)]
        note = (
            f"Each shopper was compared with a fixed sample of {MAX_COMPARED_SEEDS:,} of the "
            f"{len(seed_rows):,} seeds."
        )
    sims, _ = top_k_cosine(unit[compared], unit, NEAREST_SEEDS)  # (U, m)
    return sims.mean(dim=1), note


def _classifier_scores(
    unit: torch.Tensor, seed_rows: np.ndarray, seed: int
) -> tuple[torch.Tensor, str | None]:
    """(U,) the probability of being seed-like under a logistic regression fitted on the
    seeds against a seeded sample of the other shoppers; a note when seeds were sampled."""
    from sklearn.linear_model import LogisticRegression  # a second's import: lazily

    rng = np.random.default_rng(seed)
    others = np.setdiff1d(np.arange(unit.shape[0]), seed_rows)
    if len(others) == 0:  # every shopper is a seed: nobody to tell them from
        return torch.ones(unit.shape[0]), None
    note = None
    positives = seed_rows
    if len(positives) > MAX_CLASSIFIER_SEEDS:
        positives = np.sort(rng.choice(positives, MAX_CLASSIFIER_SEEDS, replace=False))
        note = (
            f"The classifier learned from a fixed sample of {MAX_CLASSIFIER_SEEDS:,} of the "
            f"{len(seed_rows):,} seeds."
        )
    wanted = max(MIN_NEGATIVES, NEGATIVES_PER_SEED * len(positives))
    negatives = np.sort(rng.choice(others, min(len(others), wanted, MAX_NEGATIVES), replace=False))
    rows = np.concatenate([positives, negatives])
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed)
    model.fit(unit[torch.from_numpy(rows)].numpy(), labels)
    weights = torch.from_numpy(model.coef_[0].astype(np.float32))  # (D,)
    return torch.sigmoid(unit @ weights + float(model.intercept_[0])), note


def lookalike_audience(
    vectors: ShopperVectors,
    seed_ids: list[str],
    *,
    k: int = 100,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
) -> Audience:
    """The `k` shoppers most like the seeds, seeds never included.

    Raises:
        ConfigError: no seed is in the run, `k` < 1, or an unknown method.
    """
    if method not in METHODS:
        raise ConfigError(f"method = {method!r} is not one of {', '.join(METHODS)}")
    if k < 1:
        raise ConfigError(f"audience size = {k}: ask for at least 1 shopper")
    seeds = resolve_seeds(vectors, seed_ids)
    if not seeds.known:
        shown = ", ".join(seeds.unknown[:3]) or "none given"
        raise ConfigError(
            f"none of the seed ids is a shopper of this run ({shown}) — use ids as they "
            f"appear in the events file, e.g. {', '.join(vectors.users[:3])}"
        )
    notes = []
    excluded = torch.zeros(len(vectors), dtype=torch.bool)
    excluded[torch.from_numpy(seeds.rows)] = True
    if bool(excluded.all()):
        notes.append("Every shopper of this run is a seed: nobody is left to find.")
    scores, note = _scores(vectors, seeds.rows, method, seed)
    if note:
        notes.append(note)
    scores = scores.masked_fill(excluded, float("-inf"))
    count = min(k, int((~excluded).sum()))
    if count < k and count:
        notes.append(f"Only {count:,} shoppers are not seeds, so the audience has {count:,}.")
    top = scores.topk(count)
    rows = top.indices
    unit = vectors.unit
    _, closest = top_k_cosine(unit[seeds.rows], unit[rows], 3)  # (N, ≤3) seed positions
    members = pd.DataFrame(
        {
            "user_id": [vectors.users[r] for r in rows.tolist()],
            "score": top.values.numpy().astype(float),
            "rank": np.arange(1, count + 1),
            "closest_seeds": [", ".join(seeds.known[i] for i in row) for row in closest.tolist()],
        }
    )
    return Audience(seeds, members, method, tuple(notes))
