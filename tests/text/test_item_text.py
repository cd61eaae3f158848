"""Item text from catalog fields by an editable template."""

from __future__ import annotations

import pandas as pd
import pytest

from seqrec_core.errors import ConfigError
from seqrec_core.text import item_text
from seqrec_core.text.item_text import (
    catalog_items_with_text,
    check_template,
    default_template,
    render_texts,
    text_columns,
)


def _catalog() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["A", "B", "C", "D"],
            "title": ["Trail Runner 2", "Sport Socks", None, ""],
            "category": ["Shoes > Running", "Socks", "Books > Cooking", None],
            "brand": ["Acme", None, "Lantern", None],
            "price": [89.0, 5.0, 20.0, 1.0],
            "genres": ["sport; outdoor", "sport", "food", None],
            "sku_code": ["111", "222", "333", "444"],
        }
    )


def test_every_text_like_column_goes_into_the_default_template() -> None:
    catalog = _catalog()
    assert text_columns(catalog) == ["title", "category", "brand", "genres"]
    assert default_template(catalog) == (
        "{title}\nCategory: {category}\nBrand: {brand}\nGenres: {genres}"
    )


def test_empty_segments_are_left_out_and_the_rest_joined() -> None:
    texts = render_texts(_catalog(), default_template(_catalog()))
    assert texts.item_ids == ("A", "B", "C", "D")
    assert texts.texts == (
        "Trail Runner 2. Category: Shoes > Running. Brand: Acme. Genres: sport; outdoor",
        "Sport Socks. Category: Socks. Genres: sport",
        "Category: Books > Cooking. Brand: Lantern. Genres: food",
        "",
    )
    assert (texts.empty, texts.with_text, texts.cut) == (1, 3, 0)
    assert catalog_items_with_text(_catalog()) == ["A", "B", "C"]


def test_very_long_texts_are_cut_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_text, "MAX_CHARS", 10)
    texts = render_texts(_catalog(), "{title}")
    assert texts.texts[:2] == ("Trail Runn", "Sport Sock")  # 14 and 11 characters
    assert texts.cut == 2


def test_a_catalog_without_text_has_no_template() -> None:
    catalog = pd.DataFrame({"item_id": ["1", "2"], "price": [1.0, 2.0]})
    assert default_template(catalog) == ""
    assert catalog_items_with_text(catalog) == []


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{colour}", "names colour, which the catalog does not have"),
        ("{title", "write columns as"),
        ("just words", "uses no catalog column"),
    ],
)
def test_a_bad_template_says_what_to_write(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_template(template, list(_catalog().columns))
