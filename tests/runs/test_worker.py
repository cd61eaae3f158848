"""Training runs as worker processes: lifecycle, cancel, kill -9, resume, CLI contract.

A tiny planted log (41 users, 23 items, "item i is followed by item i + 1") keeps every
real training run to seconds, so these tests start real `python -m seqrec_core train`
processes rather than fakes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import torch

from seqrec_core.cli.main import main
from seqrec_core.data.prepare import prepare_dataset
from seqrec_core.data.sequences import pad_left
from seqrec_core.errors import ConfigError, RunError
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.models.checkpoint import load_checkpoint
from seqrec_core.runs import cancel, registry, worker
from seqrec_core.store import Workspace
from seqrec_core.training import final_test
from tests.support.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
NUM_ITEMS, USERS, LENGTH = 23, 41, 9
SMALL = {"hidden_size": 16, "num_heads": 2, "inner_size": 24, "max_len": 8}


def _planted_log(path: Path) -> Path:
    """Each user walks the item ring from a start of their own: i → i + 1 (mod 23)."""
    rows = []
    for u in range(USERS):
        for step in range(LENGTH):
            item = (u * 5 + step) % NUM_ITEMS + 1
            rows.append((f"u{u:03d}", f"i{item:02d}", f"2026-01-01T00:{step:02d}:{u % 60:02d}Z"))
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).to_csv(path, index=False)
    return path


@pytest.fixture
def planted(ws: Workspace, tmp_path: Path) -> Workspace:
    ingest(_planted_log(tmp_path / "ring.csv"), ws, "ring")
    return ws


def _finished(ws: Workspace, run_id: str) -> Callable[[], bool]:
    return lambda: not registry.get_run(ws, run_id).active


def test_request_is_validated_before_anything_starts(planted: Workspace) -> None:
    with pytest.raises(ConfigError, match="epochs"):
        worker.launch_run(planted, "ring", "sasrec", train_settings={"epochs": 0})
    with pytest.raises(ConfigError, match="no setting"):
        worker.make_request("sasrec", model_settings={"hidden": 3})
    assert registry.list_runs(planted) == []


def test_launched_worker_trains_and_records_metrics(planted: Workspace) -> None:
    info = worker.launch_run(
        planted, "ring", "sasrec", model_settings=SMALL, train_settings={"epochs": 3, "seed": 1}
    )
    assert info.status in registry.ACTIVE
    wait_until(_finished(planted, info.run_id))
    done = registry.get_run(planted, info.run_id)
    assert done.status == registry.SUCCEEDED, (done.folder / "worker.log").read_text()
    assert done.device and done.device.startswith("CPU")
    assert done.result["epochs"] == 3
    assert set(done.result["test_metrics"]) >= {"HR@10", "NDCG@10", "MRR", "coverage@10"}
    events = registry.read_progress(done.folder)
    kinds = [event["kind"] for event in events]
    assert kinds.count("epoch") == 3 and "done" in kinds
    # Then the final test counts the shoppers it ranked, up to every one of them.
    assert kinds[-1] == "test" and events[-1]["done"] == events[-1]["total"] > 0
    assert not (done.folder / "test_progress.npz").exists()  # removed once the test is done
    answer = json.loads((done.folder / worker.ANSWER_FILE).read_text())
    assert answer["run"] == info.run_id and answer["status"] == "succeeded"
    # The ring is learnable: the trained model beats chance by far on held-out targets.
    assert done.result["test_metrics"]["HR@5"] > 0.5


def _long_run(ws: Workspace) -> registry.RunInfo:
    """A run that only ends when stopped (no epoch cap or early stop in reach)."""
    return worker.launch_run(
        ws,
        "ring",
        "sasrec",
        model_settings=SMALL,
        train_settings={"epochs": 5000, "patience": 5000, "log_every": 1},
    )


def _has_stepped(info: registry.RunInfo) -> Callable[[], bool]:
    return lambda: any(e["kind"] == "epoch" for e in registry.read_progress(info.folder))


def test_cancel_stops_the_worker_cleanly(planted: Workspace) -> None:
    info = _long_run(planted)
    wait_until(_has_stepped(info))
    cancel.cancel_run(planted, info.run_id)
    wait_until(_finished(planted, info.run_id))
    done = registry.get_run(planted, info.run_id)
    assert done.status == registry.CANCELLED
    assert done.has_model  # the best epoch so far is kept and loadable
    load_checkpoint(done.best_dir)
    with pytest.raises(RunError, match="already cancelled"):
        cancel.cancel_run(planted, info.run_id)


def test_kill_9_marks_the_run_failed_and_leaves_earlier_models_intact(planted: Workspace) -> None:
    first = worker.launch_run(
        planted, "ring", "sasrec", model_settings=SMALL, train_settings={"epochs": 2}
    )
    wait_until(_finished(planted, first.run_id))
    model = load_checkpoint(registry.get_run(planted, first.run_id).best_dir).model
    data = prepare_dataset(planted, "ring").split.test.history
    batch = pad_left(data, list(range(len(data))), model.config.max_len)
    with torch.no_grad():
        before = model.score_items(batch["input_ids"])

    victim = _long_run(planted)
    wait_until(_has_stepped(victim))
    os.kill(cancel.worker_pid(registry.get_run(planted, victim.run_id)), signal.SIGKILL)
    wait_until(_finished(planted, victim.run_id))
    dead = registry.get_run(planted, victim.run_id)
    assert dead.status == registry.FAILED
    assert "ended without reporting" in (dead.error or "")

    again = load_checkpoint(registry.get_run(planted, first.run_id).best_dir).model
    with torch.no_grad():
        torch.testing.assert_close(again.score_items(batch["input_ids"]), before)
    assert registry.get_run(planted, first.run_id).status == registry.SUCCEEDED


def _cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # exactly one JSON object on stdout
    return code, json.loads(out)


@pytest.mark.parametrize(
    "loss",
    [[], ["--set", "loss=sampled_softmax", "--set", "num_negatives=8"]],
    ids=["full softmax", "sampled softmax: SparseAdam's rows resumed too"],
)
def test_resumed_training_equals_uninterrupted_training(
    planted: Workspace, capsys: pytest.CaptureFixture[str], loss: list[str]
) -> None:
    base = ["train", "--workspace", str(planted.root), "--dataset", "ring", "--model", "sasrec"]
    base += [f"--set={k}={v}" for k, v in SMALL.items()] + ["--device", "cpu", "--json", *loss]
    base += ["--set", "ema_decay=0.9", "--set", "lr_decay_patience=1"]  # both are resumed too
    _, straight = _cli(capsys, [*base, "--epochs", "4"])
    _, partial = _cli(capsys, [*base, "--epochs", "2"])
    # Continue the 2-epoch run to 4 epochs: same request, more epochs.
    folder = registry.run_folder(planted, partial["run"])
    request = json.loads((folder / "request.json").read_text())
    request["train_settings"]["epochs"] = 4
    registry.write_json_atomic(folder / "request.json", request)
    with planted.connect() as con:
        con.execute(
            "UPDATE runs SET request_json = ? WHERE run_id = ?",
            [json.dumps(request), partial["run"]],
        )
    code, resumed = _cli(
        capsys, ["train", "--workspace", str(planted.root), "--resume", partial["run"], "--json"]
    )
    assert code == 0 and resumed["epochs"] == 4
    assert [c["NDCG@10"] for c in resumed["curve"]] == [c["NDCG@10"] for c in straight["curve"]]
    assert resumed["test_metrics"] == straight["test_metrics"]


def test_train_and_evaluate_cli_contract(
    planted: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, answer = _cli(
        capsys,
        [
            "train",
            "--workspace",
            str(planted.root),
            "--dataset",
            "ring",
            "--model",
            "cooc",
            "--json",
        ],
    )
    assert code == 0
    assert {"run", "status", "device", "epochs", "seconds", "metrics", "test_metrics"} <= set(
        answer
    )
    assert answer["status"] == "succeeded"
    code, evaluated = _cli(
        capsys,
        [
            "evaluate",
            "--workspace",
            str(planted.root),
            "--run",
            answer["run"],
            "--k",
            "1,3",
            "--json",
        ],
    )
    assert code == 0 and {"HR@1", "NDCG@3", "MRR", "coverage@3"} <= set(evaluated["metrics"])
    # The ring is exactly first-order: the transition baseline gets every test target.
    assert evaluated["metrics"]["HR@1"] == pytest.approx(1.0)
    code, listed = _cli(capsys, ["runs", "--workspace", str(planted.root), "--json"])
    assert [r["run"] for r in listed["runs"]] == [answer["run"]]
    code, failed = _cli(
        capsys, ["evaluate", "--workspace", str(planted.root), "--run", "nope", "--json"]
    )
    assert code == 1 and "no run named 'nope'" in failed["error"]
    code, bad = _cli(
        capsys,
        [
            "train",
            "--workspace",
            str(planted.root),
            "--dataset",
            "ring",
            "--model",
            "sasrec",
            "--set",
            "dropout=2",
            "--json",
        ],
    )
    assert (
        code == 1
        and "dropout" in bad["error"]
        and registry.list_runs(planted)[0].run_id == answer["run"]
    )


def test_two_process_gloo_data_parallel_training(planted: Workspace) -> None:
    """torchrun with 2 CPU processes: DDP keeps the ranks in step; rank 0 answers."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-port",
        str(29500 + os.getpid() % 1000),
        "-m",
        "seqrec_core",
        "train",
        "--workspace",
        str(planted.root),
        "--dataset",
        "ring",
        "--model",
        "sasrec",
        "--epochs",
        "2",
        "--device",
        "cpu",
        "--json",
        *[f"--set={k}={v}" for k, v in SMALL.items()],
        "--set",
        "batch_size=8",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    main_answer = next(a for a in answers if "run" in a)
    assert main_answer["status"] == "succeeded" and main_answer["world_size"] == 2
    info = registry.get_run(planted, main_answer["run"])
    steps = [e["step"] for e in registry.read_progress(info.folder) if e["kind"] == "epoch"]
    # 41 users → 41 windows → 6 batches of 8 per epoch, shared by 2 ranks: 3 steps each.
    assert steps == [3, 6]
    assert len(registry.list_runs(planted)) == 1  # only rank 0 registered the run


def test_a_cancelled_run_can_be_resumed_to_the_end(
    planted: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: the cancel marker stayed in the run folder, so a resumed run stopped
    again at its first step."""
    info = worker.launch_run(
        planted,
        "ring",
        "sasrec",
        model_settings=SMALL,
        train_settings={"epochs": 40, "patience": 1000, "log_every": 1},
    )
    wait_until(_has_stepped(info))
    cancel.cancel_run(planted, info.run_id)
    wait_until(_finished(planted, info.run_id))
    assert registry.get_run(planted, info.run_id).status == registry.CANCELLED
    code, resumed = _cli(
        capsys, ["train", "--workspace", str(planted.root), "--resume", info.run_id, "--json"]
    )
    assert code == 0 and resumed["status"] == "succeeded" and resumed["epochs"] == 40
    assert registry.get_run(planted, info.run_id).status == registry.SUCCEEDED


def test_a_run_stopped_in_its_final_test_goes_on_with_the_test_only(
    planted: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression for big shops: a worker killed during an hour-long final test lost the
    test and, resumed, trained again. Now the resumed run trains nothing, goes on from the
    test's last save and records the metrics of an uninterrupted run."""
    base = ["train", "--workspace", str(planted.root), "--dataset", "ring", "--model", "sasrec"]
    base += [f"--set={k}={v}" for k, v in SMALL.items()] + ["--device", "cpu", "--json"]
    base += ["--epochs", "2", "--set", "eval_batch_size=8"]
    _, straight = _cli(capsys, base)
    monkeypatch.setattr(final_test, "SAVE_EVERY_S", 0.0)
    real, ranked = worker.final_test, []

    def killed_after_16(*args, **kwargs):
        report = kwargs["progress"]

        def progress(done: int, total: int) -> None:
            report(done, total)
            ranked.append(done)
            if done >= 16 and ranked.count(16) == 1 and len(ranked) == 2:
                raise KeyboardInterrupt  # as a kill would end it, mid-test

        return real(*args, **{**kwargs, "progress": progress})

    monkeypatch.setattr(worker, "final_test", killed_after_16)
    with pytest.raises(KeyboardInterrupt):
        main(base)
    capsys.readouterr()
    stopped = registry.list_runs(planted, "ring")[0]
    assert stopped.status == registry.FAILED
    assert (stopped.folder / "test_progress.npz").is_file()

    def no_training(*args, **kwargs):
        raise AssertionError("the resumed run trained again")

    monkeypatch.setattr(worker, "train", no_training)
    code, resumed = _cli(
        capsys, ["train", "--workspace", str(planted.root), "--resume", stopped.run_id, "--json"]
    )
    assert code == 0 and resumed["status"] == "succeeded"
    assert ranked[2] == 16  # the resumed test began at the 16 shoppers saved
    assert resumed["test_metrics"] == straight["test_metrics"]
    assert [c["NDCG@10"] for c in resumed["curve"]] == [c["NDCG@10"] for c in straight["curve"]]
