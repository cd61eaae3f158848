"""The shopper commands: `representations`, `lookalike` and `segments` of a trained run.

`representations --out FILE` writes every shopper's vector (Parquet with a `vector` list
column, or CSV with `e0..eN` columns for a `.csv` name); `--representation` chooses the
kind (`next`, the model's scoring state, by default for the export; `history`, the mean
item vector of the whole history, by default for `lookalike` and `segments`). `lookalike` builds an audience from
seed ids (`--seed-users` and/or `--seed-file`, one id per line or a `user_id` column);
unknown ids are reported in `unknown_seeds`, never fatal while one seed is known.
`segments` groups the shoppers by k-means (`--k`, or chosen by silhouette) and saves the
groups for the Recommend page's segment preview.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from seqrec_core.cli.common import add_common, stderr_progress
from seqrec_core.store import Workspace

# `shoppers.lookalike.METHODS` and `shoppers.representations.KINDS`, here without torch.
_METHODS = ("classifier", "nearest", "centroid")
_KINDS = ("history", "next")


def _kind_argument(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--representation",
        choices=_KINDS,
        default=default,
        help=f"history: lasting taste; next: recent intent (default {default})",
    )


def add_commands(commands: Any) -> None:
    """Register `representations`, `lookalike` and `segments` on the CLI's subparsers."""
    rep = commands.add_parser("representations", help="export every shopper's vector of a run")
    add_common(rep)
    rep.add_argument("--run", required=True, help="trained run (see `runs`)")
    rep.add_argument("--out", required=True, type=Path, help="FILE.parquet or FILE.csv")
    _kind_argument(rep, "next")
    rep.set_defaults(handler=_representations)

    look = commands.add_parser("lookalike", help="the shoppers most like a list of seed shoppers")
    add_common(look)
    look.add_argument("--run", required=True, help="trained run (see `runs`)")
    look.add_argument("--seed-users", default="", help="U1,U2,...: the seed shoppers")
    look.add_argument("--seed-file", type=Path, help="a file of seed ids (one per line or CSV)")
    look.add_argument("--k", type=int, default=100, help="audience size (default 100)")
    look.add_argument("--method", choices=_METHODS, default=_METHODS[0])
    _kind_argument(look, "history")
    look.set_defaults(handler=_lookalike)

    seg = commands.add_parser("segments", help="k-means segments of a run's shoppers, described")
    add_common(seg)
    seg.add_argument("--run", required=True, help="trained run (see `runs`)")
    seg.add_argument("--k", type=int, help="number of segments (default: chosen by silhouette)")
    _kind_argument(seg, "history")
    seg.set_defaults(handler=_segments)


def _load(args: argparse.Namespace):  # -> (LoadedRun, ShopperVectors)
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.shoppers.representations import require_representations, shopper_vectors

    workspace = Workspace.open(args.workspace)
    loaded = load_run(workspace, args.run)
    require_representations(loaded)
    kind = args.representation
    return loaded, shopper_vectors(loaded, kind=kind, progress=stderr_progress)


def _representations(args: argparse.Namespace) -> dict[str, Any]:
    from seqrec_core.shoppers.representations import write_vectors

    _, vectors = _load(args)
    path = write_vectors(vectors, args.out)
    return {
        "path": str(path.resolve()),
        "users": len(vectors),
        "dim": vectors.dim,
        "run": args.run,
        "model": vectors.model,
        "representation": vectors.kind,
    }


def _lookalike(args: argparse.Namespace) -> dict[str, Any]:
    from seqrec_core.errors import ConfigError
    from seqrec_core.shoppers.lookalike import ids_from_file, lookalike_audience, parse_ids

    ids = parse_ids(args.seed_users)
    if args.seed_file is not None:
        ids += ids_from_file(args.seed_file)
    if not ids:
        raise ConfigError("no seed shoppers given: pass --seed-users U1,U2,... or --seed-file")
    _, vectors = _load(args)
    audience = lookalike_audience(vectors, ids, k=args.k, method=args.method)
    members = audience.members
    return {
        "run": args.run,
        "users": [
            {"user_id": u, "score": round(float(s), 6), "rank": int(r), "closest_seeds": c}
            for u, s, r, c in zip(
                members["user_id"],
                members["score"],
                members["rank"],
                members["closest_seeds"],
                strict=True,
            )
        ],
        "seeds_used": len(audience.seeds.known),
        "unknown_seeds": list(audience.seeds.unknown),
        "repeated_seeds": audience.seeds.repeated,
        "method": audience.method,
        "representation": vectors.kind,
        "notes": [audience.seeds.summary(), *audience.notes],
    }


def _segments(args: argparse.Namespace) -> dict[str, Any]:
    from seqrec_core.recommend.recommender import RunRecommender
    from seqrec_core.shoppers.segment_files import save_segments
    from seqrec_core.shoppers.segments import add_recommendation_mix, segment_shoppers
    from seqrec_core.shoppers.tastes import shopper_tastes

    loaded, vectors = _load(args)
    engine = RunRecommender.from_run(loaded)
    tastes = shopper_tastes(engine)
    segmentation = segment_shoppers(vectors, tastes, args.k, progress=stderr_progress)
    segmentation = add_recommendation_mix(engine, segmentation, tastes)
    folder = loaded.info.best_dir.parent
    path = save_segments(folder, segmentation.users, segmentation.labels)
    return {
        "run": args.run,
        "k": segmentation.k,
        "representation": vectors.kind,
        "automatic": segmentation.automatic,
        "silhouette": {str(k): round(v, 4) for k, v in segmentation.silhouette.items()},
        "segments": [s.to_dict() for s in segmentation.segments],
        "saved": str(path),
    }
