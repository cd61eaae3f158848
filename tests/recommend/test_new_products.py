"""Products that arrive after training, scored by a text-aware run from their text."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from seqrec_core.cli import main
from seqrec_core.errors import ConfigError
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.new_products import add_new_products
from seqrec_core.recommend.recommender import Event, RunRecommender
from seqrec_core.runs.registry import ITEM_TEXT_FILE, get_run
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace
from seqrec_core.text.item_vectors import save_template
from tests.support.tiny_shop import DATASET, small_sasrec, tiny_workspace, train_run

TEMPLATE = "{title}\nCategory: {category}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    workspace = tiny_workspace(tmp_path_factory.mktemp("new_products"))
    save_template(workspace, DATASET, TEMPLATE)  # as the Data page saves it
    return workspace, small_sasrec(workspace)


def test_training_reads_the_template_saved_for_the_dataset(shop: tuple[Workspace, str]) -> None:
    workspace, run = shop
    info = get_run(workspace, run)
    saved = json.loads((info.folder / ITEM_TEXT_FILE).read_text())
    assert saved["template"] == TEMPLATE and saved["items_with_text"] == 17
    assert info.result["item_text"]["used"] is True


def _newer_catalog(workspace: Workspace) -> pd.DataFrame:
    catalog = workspace.read_items(DATASET)
    new = pd.DataFrame(
        {
            "item_id": ["n01", "n02"],
            "title": ["Gadget 3 Pro Max", ""],  # n02 has no text at all
            "category": ["Home > Tools", None],
            "brand": ["Brand3", None],
        }
    )
    return pd.concat([catalog, new], ignore_index=True)


def test_new_products_are_scored_from_their_text_and_marked_new(
    shop: tuple[Workspace, str],
) -> None:
    workspace, run = shop
    loaded = load_run(workspace, run)
    before = RunRecommender.from_run(loaded)
    history = (Event("i01", "view"), Event("i02", "cart"))
    old_scores = before.score(before.encode([history]), [0])[0]
    grown, outcome = add_new_products(workspace, loaded, _newer_catalog(workspace))
    assert outcome.added == ("n01",) and outcome.without_text == 1
    assert outcome.refreshed == 17
    engine = RunRecommender.from_run(grown)
    scores = engine.score(engine.encode([history]), [0])[0]
    torch.testing.assert_close(scores[: len(old_scores)], old_scores)  # old items unchanged
    assert torch.isfinite(scores[-1])
    listed = engine.recommend(history, k=50, filters=Filters(include_categories=("Home > Tools",)))
    new = [r for r in listed.items if r.item_id == "n01"]
    assert new and new[0].new and new[0].fields["title"] == "Gadget 3 Pro Max"
    assert not any(r.new for r in listed.items if r.item_id != "n01")


def test_an_id_only_run_says_it_cannot_score_new_products(shop: tuple[Workspace, str]) -> None:
    workspace, _ = shop
    run = train_run(workspace, "gru4rec", "item_input=id", "embedding_size=8", epochs=1)
    with pytest.raises(ConfigError, match="item ids only"):
        add_new_products(workspace, load_run(workspace, run), _newer_catalog(workspace))


def test_the_cli_takes_a_newer_catalog(
    shop: tuple[Workspace, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace, run = shop
    path = tmp_path / "catalog.csv"
    _newer_catalog(workspace).to_csv(path, index=False)
    argv = ["recommend", "--workspace", str(workspace.root), "--run", run, "--user", "u01"]
    argv += ["--k", "40", "--catalog", str(path), "--category", "Home > Tools", "--json"]
    assert main.main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["new_products"] == {"added": 1, "without_text": 1, "refreshed": 17}
    flags = {item["item_id"]: item["new"] for item in answer["items"]}
    assert flags.get("n01") is True and sum(flags.values()) == 1
