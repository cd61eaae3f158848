"""The model commands of the command line: `train` and `evaluate`.

`train` is also the worker the app starts (`train --run RUN` executes a queued run), and
it runs unchanged under `torchrun` for data-parallel training (rank 0 answers). The
parser reads only torch-free names (models, splits, devices); the training stack is
imported when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from seqrec_core.cli.common import add_common, stderr_progress
from seqrec_core.data.split_names import EVAL_SPLITS, SPLITS
from seqrec_core.errors import ConfigError
from seqrec_core.models.names import MODEL_NAMES
from seqrec_core.store import Workspace
from seqrec_core.training.config import TrainConfig
from seqrec_core.training.device_names import DEVICES

if TYPE_CHECKING:  # annotations only: loading a run imports torch
    from seqrec_core.runs.trained_run import LoadedRun

_TRAIN_FIELDS = {f.name for f in fields(TrainConfig)}


def add_commands(commands: Any) -> None:
    """Register the model commands on the CLI's subparsers."""
    train_cmd = commands.add_parser("train", help="train a model on a dataset (a run)")
    add_common(train_cmd)
    train_cmd.add_argument("--dataset", help="dataset name (see `datasets`)")
    train_cmd.add_argument("--model", choices=list(MODEL_NAMES), help="model to train")
    train_cmd.add_argument("--epochs", type=int, help="at most this many epochs (default 200)")
    train_cmd.add_argument("--max-minutes", type=float, help="wall-clock training budget")
    train_cmd.add_argument("--device", choices=DEVICES, help="default auto: cuda, mps, cpu")
    train_cmd.add_argument("--seed", type=int, help="random seed (default 0)")
    train_cmd.add_argument("--split", choices=SPLITS, default="leave_one_out")
    train_cmd.add_argument(
        "--item-text",
        default=None,
        metavar="auto|off|EMBEDDINGS",
        help="item text for sasrec/bert4rec/gru4rec: auto (default: the bundled language "
        "model on the catalog's titles, categories, brands, ... when it has any), off (item "
        "ids only) or the path of your own item embeddings (.parquet/.csv: item_id + vector)",
    )
    train_cmd.add_argument(
        "--cold-items",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="hold this share of the items out of training, to measure how the model does "
        'on products it never saw bought (bucket "0" of by_target_count); default 0',
    )
    train_cmd.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="any model or training setting, e.g. --set hidden_size=128 --set dropout=0.3",
    )
    train_cmd.add_argument("--run", help="execute this queued run (what the app's worker does)")
    train_cmd.add_argument(
        "--resume", metavar="RUN", help="continue a stopped run from its last epoch"
    )
    train_cmd.set_defaults(handler=_train)

    eval_cmd = commands.add_parser("evaluate", help="full-ranking metrics of a trained run")
    add_common(eval_cmd)
    eval_cmd.add_argument("--run", required=True, help="run id (see `runs`)")
    eval_cmd.add_argument("--split", choices=EVAL_SPLITS, default="test")
    eval_cmd.add_argument("--k", default="5,10,20", help="cut-offs, e.g. 5,10,20")
    eval_cmd.add_argument(
        "--include-history", action="store_true", help="rank the user's own history items too"
    )
    eval_cmd.add_argument(
        "--search",
        action="store_true",
        help="also the search metrics (search_metrics: text, model, blend; search_weight)",
    )
    eval_cmd.add_argument(
        "--search-examples",
        type=int,
        metavar="N",
        help="search metrics on a seeded sample of N held-out events per split (default: all)",
    )
    eval_cmd.set_defaults(handler=_evaluate)


def _value(text: str) -> Any:
    """A `--set` value: JSON where it parses (numbers, true/false, null), else the text."""
    for candidate in (text, text.lower()):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return text


def split_settings(model: str, items: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`FIELD=VALUE` strings → (model settings, training settings).

    Raises:
        ConfigError: a malformed item or a field neither the model nor training has.
    """
    # torch (the model classes): imported only when a command runs.
    from seqrec_core.data.prepare import model_fields

    model_settings: dict[str, Any] = {}
    train_settings: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: write FIELD=VALUE, e.g. --set dropout=0.3")
        if key in model_fields(model):
            model_settings[key] = _value(value.strip())
        elif key in _TRAIN_FIELDS:
            train_settings[key] = _value(value.strip())
        else:
            known = sorted((model_fields(model) - {"num_items"}) | _TRAIN_FIELDS)
            raise ConfigError(f"--set {key}: no such setting; known: {', '.join(known)}")
    return model_settings, train_settings


def _train(args: argparse.Namespace) -> dict[str, Any]:
    # torch: the training stack is imported only when the command runs.
    import torch

    from seqrec_core.runs import registry, worker
    from seqrec_core.training import distributed

    workspace = Workspace.open(args.workspace)
    distributed.init_from_env(
        use_cuda=args.device in (None, "auto", "cuda") and torch.cuda.is_available()
    )
    try:
        if args.run or args.resume:
            return worker.execute_run(workspace, args.run or args.resume, resume=bool(args.resume))
        if not args.dataset or not args.model:
            raise ConfigError("train needs --dataset and --model (or --run / --resume RUN)")
        model_settings, train_settings = split_settings(args.model, args.set)
        for key, value in (
            ("epochs", args.epochs),
            ("max_minutes", args.max_minutes),
            ("device", args.device),
            ("seed", args.seed),
        ):
            if value is not None:
                train_settings[key] = value
        run_id = None
        if distributed.is_main():
            request = worker.make_request(
                args.model,
                split=args.split,
                model_settings=model_settings,
                train_settings=train_settings,
                item_text=args.item_text or worker.DEFAULT_ITEM_TEXT,
                cold_items=args.cold_items,
            )
            run_id = registry.create_run(workspace, args.dataset, args.model, request).run_id
        run_id = distributed.broadcast(run_id)
        print(f"run {run_id}", file=sys.stderr, flush=True)
        return worker.execute_run(workspace, run_id)
    finally:
        distributed.shutdown()


def _evaluate(args: argparse.Namespace) -> dict[str, Any]:
    # torch: loading and scoring a run is imported only when the command runs.
    from seqrec_core.runs.trained_run import evaluate_loaded, load_run, parse_ks

    workspace = Workspace.open(args.workspace)
    ks = parse_ks(args.k)
    loaded = load_run(workspace, args.run)  # once: also the search engine's run
    result = evaluate_loaded(
        loaded,
        split=args.split,
        ks=ks,
        exclude_history=not args.include_history,
    )
    answer: dict[str, Any] = {
        "run": args.run,
        "split": args.split,
        "examples": len(result.ranks),
        "exclude_history": not args.include_history,
        "metrics": result.metrics,
        "by_history_length": result.by_history_length,
        "by_target_count": result.by_target_count,
    }
    if args.search:
        answer.update(_search_metrics(workspace, loaded, args))
    return answer


def _search_metrics(
    workspace: Workspace, loaded: LoadedRun, args: argparse.Namespace
) -> dict[str, Any]:
    """`search_metrics` (text, model, blend on the test split) and how they were measured."""
    from seqrec_core.search.engine import SearchEngine
    from seqrec_core.search.evaluation import evaluate_search

    engine = SearchEngine.from_run(workspace, loaded)
    result = evaluate_search(
        workspace,
        engine,
        max_examples=args.search_examples,
        progress=lambda done, total: stderr_progress(done / max(total, 1), "search evaluation"),
    )
    return {
        "search_metrics": result.metrics,
        "search_weight": result.weight,
        "search_examples": result.examples,
        "search_query_sources": result.query_sources,
        "search_ndcg_by_weight": result.to_dict()["ndcg_by_weight"],
        "search_protocol": result.protocol,
    }
