"""Training jobs in their own OS process: launch and execute (cancelling is `cancel`).

The app never trains inside the Streamlit server. `launch_run` registers a queued run and
starts `python -m seqrec_core train --run RUN` as a new process in its own session, so a
page reload, another browser tab or an app restart leaves it running. That process calls
`execute_run`, which writes the run's live state and progress into the run folder (see
`seqrec_core.runs.registry`) and its final state and metrics into the registry.
`cancel.cancel_run` leaves a marker and sends SIGTERM; the worker stops at its next step and records
"cancelled". A worker killed outright is found dead by `runs.get_run` and marked failed;
its own folder may hold a partial checkpoint, and no other run's files are touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seqrec_core.data.cold_items import pick_cold_items
from seqrec_core.data.prepare import (
    SPLITS,
    Prepared,
    build_model_for,
    model_fields,
    prepare_dataset,
)
from seqrec_core.errors import ConfigError, RunError, SeqRecError
from seqrec_core.models import MODELS
from seqrec_core.models.loss_choice import choose_loss
from seqrec_core.runs import registry as runs
from seqrec_core.runs.trained_result import TEST_STATE_FILE, save_trained, trained_before
from seqrec_core.store import REPO_ROOT, Workspace
from seqrec_core.text.item_vectors import (
    ItemTextVectors,
    check_item_text,
    saved_template,
    vectors_for_run,
)
from seqrec_core.training import distributed
from seqrec_core.training.devices import describe_device, resolve_device, seed_everything
from seqrec_core.training.evaluation import interval_95, training_popularity
from seqrec_core.training.final_test import final_test
from seqrec_core.training.loop import ProgressEvent, TrainConfig, TrainResult, train
from seqrec_core.training.popular_reference import popular_metrics_on

ANSWER_FILE = "answer.json"
DEFAULT_ITEM_TEXT = "auto"
_MAX_ERROR = 600  # characters of a failure message kept in the registry
# Config fields whose values come from the dataset (set by `build_model_for`).
_DATA_SIZED = ("num_items", "num_event_types", "num_feature_tokens", "text_dim")


def make_request(
    model: str,
    *,
    split: str = "leave_one_out",
    model_settings: dict[str, Any] | None = None,
    train_settings: dict[str, Any] | None = None,
    item_text: str = DEFAULT_ITEM_TEXT,
    cold_items: float = 0.0,
) -> dict[str, Any]:
    """A validated training request (what `request.json` holds, less dataset and model).

    Args:
        item_text: "auto" (the bundled language model on the catalog's text, when it has
            any), "off" (item ids only) or the path of an item embeddings file.
        cold_items: share of the items held out of training (cold-start evaluation).

    Raises:
        ConfigError: unknown model, split or field, or a value out of range.
    """
    if model not in MODELS:
        raise ConfigError(f"unknown model {model!r}: choose one of {', '.join(MODELS)}")
    if split not in SPLITS:
        raise ConfigError(f"split = {split!r} is not one of {', '.join(SPLITS)}")
    model_settings = dict(model_settings or {})
    unknown = sorted(set(model_settings) - model_fields(model) - {"num_items"})
    if unknown:
        raise ConfigError(f"{model} has no setting(s) {', '.join(unknown)}")
    # Validate every setting now, not minutes later in the worker; the sizes that come
    # from the data are stand-ins here.
    sized = {k: 1 for k in _DATA_SIZED if k in model_fields(model)}
    MODELS[model][0].from_dict({**sized, **model_settings})
    TrainConfig(**(train_settings or {}))
    pick_cold_items(np.zeros(0, dtype=np.int64), cold_items)  # checks the range
    return {
        "split": split,
        "model_settings": model_settings,
        "train_settings": dict(train_settings or {}),
        "item_text": check_item_text(item_text),
        "cold_items": float(cold_items),
    }


def launch_run(workspace: Workspace, dataset: str, model: str, **request: Any) -> runs.RunInfo:
    """Register a queued run and start its worker process; returns at once.

    Keyword arguments are those of `make_request`.
    """
    info = runs.create_run(workspace, dataset, model, make_request(model, **request))
    command = [sys.executable, "-m", "seqrec_core", "train", "--workspace", str(workspace.root)]
    command += ["--run", info.run_id, "--json"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with (
        (info.folder / "worker.log").open("ab") as log,
        (info.folder / ANSWER_FILE).open("wb") as out,
    ):
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=log,
            start_new_session=True,  # Ctrl-C on the app or its restart does not stop it
        )
    runs.record_pid(info.folder, process.pid)
    return runs.get_run(workspace, info.run_id, reconcile=False)


def _stop_flag(folder: Path) -> Callable[[], bool]:
    """A poll function that is true after SIGTERM or once a cancel marker exists."""
    flag = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: flag.set())
    main = distributed.is_main()
    return lambda: flag.is_set() or (main and runs.cancel_requested(folder))


def _data_summary(
    request: dict[str, Any], prepared: Prepared, text: ItemTextVectors | None, model: Any
) -> dict[str, Any]:
    """What the run's data held besides the events: item text, held-out items, the loss."""
    choice = request.get("item_text", "off")
    reads_text = getattr(model.config, "item_input", None)
    if text is not None and reads_text not in (None, "id"):
        item_text = {"used": True, **text.summary()}
    elif reads_text is None:
        item_text = {"used": False, "reason": "this model reads no item text (a baseline)"}
    elif choice == "off" or reads_text == "id":
        item_text = {"used": False, "reason": "item text was switched off"}
    else:
        item_text = {"used": False, "reason": "the catalog has no text (title, category, ...)"}
    cold = {"fraction": request.get("cold_items", 0.0), "items": len(prepared.cold_items)}
    summary = {"item_text": item_text, "cold_items": cold}
    if hasattr(model.config, "loss"):
        # The same choice `build_model_for` made for this model from the same settings.
        choice = choose_loss(model.config.num_items, request.get("model_settings", {}))
        summary["training_loss"] = choice.to_dict()
    return summary


def _prepare(
    workspace: Workspace, info: runs.RunInfo, config: TrainConfig
) -> tuple[Prepared, ItemTextVectors | None]:
    """The run's dataset, split, and the item text vectors it asked for (neural models)."""
    request = info.request
    reads_text = (
        "item_input" in model_fields(info.model) and request.get("item_text", "off") != "off"
    )
    template = saved_template(workspace, info.dataset) if reads_text else None
    prepared = prepare_dataset(
        workspace,
        info.dataset,
        request["split"],
        item_text=reads_text and request["item_text"] == "auto",
        cold_items=request.get("cold_items", 0.0),
        text_template=template,
    )
    if not reads_text:
        return prepared, None

    def progress(done: int, total: int) -> None:
        print(f"item text: {done}/{total} encoded", file=sys.stderr, flush=True)

    text = vectors_for_run(
        workspace,
        prepared.catalog,
        prepared.data.items.tokens,
        request["item_text"],
        template=template,
        device="cpu" if config.device == "cpu" else "auto",
        progress=progress,
    )
    if text is not None and distributed.is_main():
        # What later scoring of new products needs: the encoder and template of this run.
        (info.folder / runs.ITEM_TEXT_FILE).write_text(json.dumps(text.summary(), indent=2))
    return prepared, text


def _median_speed(result: TrainResult) -> float:
    """Median training sequences per second over the run's epochs (0 for a baseline)."""
    speeds = sorted(r.examples_per_s for r in result.history if r.examples_per_s > 0)
    return float(speeds[len(speeds) // 2]) if speeds else 0.0


def _summary(
    result: TrainResult, test: dict[str, Any] | None, validation: dict[str, int]
) -> dict[str, Any]:
    return {
        "validation": validation,
        "device": result.device,
        "epochs": len(result.history),
        "best_epoch": result.best_epoch,
        "seconds": result.seconds,
        "stopped_by": result.stopped_by,
        "world_size": result.world_size,
        "examples_per_s": _median_speed(result),
        "metrics": result.best_metrics,
        "test_metrics": test["metrics"] if test else {},
        "test_by_history_length": test["by_history_length"] if test else {},
        "test_by_target_count": test["by_target_count"] if test else {},
        "test_sample": test["sample"] if test else {},
        "popular_test_metrics": (test["popular"] or {}) if test else {},
        "curve": [
            {"epoch": r.epoch, "loss": r.loss, "elapsed_s": r.elapsed_s, "eval_s": r.eval_s}
            | r.metrics
            for r in result.history
        ],
    }


class _TestCancelled(Exception):
    """The user cancelled the run during its final test."""


TEST_REPORT_EVERY_S = 5.0  # seconds between two progress lines of the final test


def _test(
    folder: Path,
    info: runs.RunInfo,
    prepared: Prepared,
    config: TrainConfig,
    result: TrainResult,
    stop: Callable[[], bool],
) -> dict[str, Any] | None:
    """The run's final test (every test shopper, or its `test_sample`), with progress
    lines and saves to go on from (`final_test`); None when the user cancels it."""
    tested = prepared.split.test.sample(config.test_sample, config.seed)
    started = time.monotonic()
    reported = started - TEST_REPORT_EVERY_S  # the first batch is reported at once
    last = result.history[-1] if result.history else None

    def progress(done: int, total: int) -> None:
        nonlocal reported
        if stop():
            raise _TestCancelled
        now = time.monotonic()
        if done < total and now - reported < TEST_REPORT_EVERY_S:
            return
        reported = now
        runs.append_progress(
            folder,
            {
                "kind": "test",
                "epoch": last.epoch if last else 0,
                "step": 0,
                "done": done,
                "total": total,
                "elapsed_s": (last.elapsed_s if last else 0.0) + now - started,
            },
        )

    try:
        outcome = final_test(
            result.model,
            tested,
            exclude_history=config.exclude_history,
            item_popularity=training_popularity(prepared.split, result.model.config.num_items),
            batch_size=config.eval_batch_size,
            device=result.device,
            state_file=folder / TEST_STATE_FILE,
            progress=progress,
        )
    except _TestCancelled:
        return None
    sample = {"shoppers": len(tested), "of": len(prepared.split.test)}
    if len(tested) < sample["of"]:
        sample.update(interval_95(torch.from_numpy(outcome.ranks), 10))
    popular = None
    if info.model != "pop":  # what the run's verdict compares it with
        popular = popular_metrics_on(prepared, tested, exclude_history=config.exclude_history)
    return {
        "popular": popular,
        "sample": sample,
        "metrics": outcome.metrics,
        "by_history_length": outcome.by_history_length,
        "by_target_count": outcome.by_target_count,
    }


def execute_run(workspace: Workspace, run_id: str, *, resume: bool = False) -> dict[str, Any]:
    """Train run `run_id` in this process (the worker) and record how it ended.

    Returns:
        The run's summary: `run`, `status`, `device`, `epochs`, `seconds`, `metrics`
        (validation), `test_metrics` and more.
    """
    info = runs.get_run(workspace, run_id, reconcile=False)
    main = distributed.is_main()
    if info.status in runs.FINAL and not resume:
        raise RunError(f"run {run_id} has already {info.status}; start a new run")
    request, folder = info.request, info.folder
    if resume:
        runs.clear_cancel(folder)  # a cancelled run that is resumed must not stop at once
    stop = _stop_flag(folder)  # first: a cancel during data preparation counts too
    config = TrainConfig(**request["train_settings"])
    if main:
        runs.write_status(
            folder, runs.RUNNING, pid=os.getpid(), device=describe_device(config.device)
        )
        runs.record_state(workspace, run_id, runs.RUNNING, device=describe_device(config.device))
    try:
        prepared, text = _prepare(workspace, info, config)
        seed_everything(config.seed)
        model = build_model_for(
            info.model,
            prepared.data,
            prepared.features,
            text=text,
            trained_items=prepared.trained_items(),
            **request["model_settings"],
        )
        data_summary = _data_summary(request, prepared, text, model)
        valid = prepared.split.valid
        validation = {"shoppers": valid.sample_size(config.valid_sample), "of": len(valid)}

        def progress(event: ProgressEvent) -> None:
            runs.append_progress(folder, event.to_dict())

        # A resumed run whose training had finished goes straight on with its test.
        settings = request["train_settings"]
        result = None
        if resume:
            device = resolve_device(config.device)
            result = trained_before(folder, info.best_dir, device, settings)
        if result is None:
            result = train(
                model,
                prepared.split,
                config,
                out_dir=folder,
                vocabs=prepared.vocabs(),
                callback=progress,
                should_stop=stop,
                resume=resume,
            )
            if result.stopped_by != "cancelled" and main:
                save_trained(folder, result, settings)
        cancelled, test = result.stopped_by == "cancelled", None
        if main and not cancelled:
            test = _test(folder, info, prepared, config, result, stop)
            cancelled = test is None
        if cancelled:
            summary = {**_summary(result, None, validation), **data_summary}
            if main:
                runs.record_state(
                    workspace, run_id, runs.CANCELLED, result=summary, error="cancelled by the user"
                )
            return {"run": run_id, "status": runs.CANCELLED, **summary}
        summary = {**_summary(result, test, validation), **data_summary}
        if main:
            runs.record_state(workspace, run_id, runs.SUCCEEDED, result=summary)
        return {"run": run_id, "status": runs.SUCCEEDED, **summary}
    except BaseException as error:  # record every way the job can end, then let it surface
        if main:
            message = str(error) or type(error).__name__
            if not isinstance(error, SeqRecError):
                message = f"{type(error).__name__}: {message}"
            if len(message) > _MAX_ERROR:  # the whole text stays in worker.log
                message = message[:_MAX_ERROR] + "… (the rest is in worker.log)"
            runs.record_state(workspace, run_id, runs.FAILED, error=message)
        raise
