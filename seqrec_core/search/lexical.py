"""Lexical retrieval: a BM25 index (the `bm25s` library) over the item texts of a run.

Each item of the run's vocabulary is one document: its item text (rendered from the catalog
by the run's template, `text.item_text`) followed by its id, so a shop's stock code finds its
product even when the catalog has no text. Words are lower-cased, split on word characters
(any script), English stop words are dropped and plurals folded ("shoes" finds "shoe"), the
same way for documents and queries. `LexicalIndex.match` scores every item for a query and
says which query words the index does not know; `did_you_mean` proposes corrected queries for
those words from the index vocabulary (`difflib`, standard library).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN
from bm25s.tokenization import Tokenizer

from seqrec_core.errors import ConfigError
from seqrec_core.runs import registry
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.store import Workspace
from seqrec_core.text.item_text import default_template, render_texts
from seqrec_core.text.item_vectors import saved_template

_SPLITTER = r"(?u)\b\w+\b"  # words of any script; single letters/digits too ("2" in "Trail 2")
_SPLIT = re.compile(_SPLITTER).findall
STOPWORDS = frozenset(STOPWORDS_EN)
_MAX_SUGGESTIONS = 3
_MAX_CORRECTED_WORDS = 8  # difflib scans the whole vocabulary per word: bound the work
_CLOSENESS = 0.75  # difflib ratio a correction needs ("runing" → "running" is 0.92)


def fold_plural(word: str) -> str:
    """A conservative English plural fold: "batteries" → "battery", "boxes" → "box", "bags" → "bag".

    Words of three letters or fewer, and words ending in "ss", "us" or "is", are kept. Index
    and queries fold alike, so a rare wrong fold ("lens" → "len") still matches itself.
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:  # "ties" → "tie", not "ty"
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def _tokenizer() -> Tokenizer:
    return Tokenizer(lower=True, splitter=_SPLIT, stopwords=list(STOPWORDS), stemmer=fold_plural)


def content_words(text: str) -> tuple[str, ...]:
    """The words of `text` as the index splits them, lower-cased, stop words dropped, once each."""
    return tuple(dict.fromkeys(w for w in _SPLIT(text.lower()) if w not in STOPWORDS))


@dataclass(frozen=True)
class LexicalMatch:
    """How one query matched the index."""

    scores: np.ndarray  # (V,) float32 BM25 score per item index; row 0 (padding) is 0
    words: tuple[str, ...]  # the query's content words (stop words dropped), in order
    unknown: tuple[str, ...]  # content words no item text holds

    @property
    def matched(self) -> bool:
        """True when some item holds some query word."""
        return bool((self.scores > 0).any())


class LexicalIndex:
    """BM25 over one text per item index (index 0 is padding and never matches).

    Args:
        texts: (V,) the document of each item index; `texts[0]` is ignored.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self._tokenizer = _tokenizer()
        corpus = self._tokenizer.tokenize(
            list(texts[1:]), update_vocab=True, show_progress=False, return_as="tuple"
        )
        self._bm25 = bm25s.BM25() if self.size > 1 else None  # no items: nothing to index
        if self._bm25 is not None:
            self._bm25.index(corpus, show_progress=False)
        # Surface words of the documents, before any query adds its own spellings.
        self.vocabulary: tuple[str, ...] = tuple(w for w in self._tokenizer.word_to_id if w)

    @staticmethod
    def words(query: str) -> tuple[str, ...]:
        """The content words of `query` (`content_words`)."""
        return content_words(query)

    def match(self, query: str) -> LexicalMatch:
        """BM25 scores of every item for `query`, and the query words no item holds."""
        words = self.words(query)
        ids = self._tokenizer.tokenize(
            list(words), update_vocab=False, show_progress=False, allow_empty=False
        )
        known = sorted({i for word_ids in ids for i in word_ids})
        scores = np.zeros(self.size, dtype=np.float32)
        if known and self._bm25 is not None:
            scores[1:] = self._bm25.get_scores_from_ids(known)
        unknown = tuple(w for w, word_ids in zip(words, ids, strict=True) if not word_ids)
        return LexicalMatch(scores, words, unknown)

    def did_you_mean(self, match: LexicalMatch) -> tuple[str, ...]:
        """Up to three corrected queries: each unknown word replaced by a close index word."""
        options = {
            word: difflib.get_close_matches(word, self.vocabulary, _MAX_SUGGESTIONS, _CLOSENESS)
            for word in match.unknown[:_MAX_CORRECTED_WORDS]
        }
        if not any(options.values()):
            return ()
        suggestions = []
        for choice in range(_MAX_SUGGESTIONS):
            words = []
            for word in match.words:
                close = options.get(word)
                if close:
                    words.append(close[min(choice, len(close) - 1)])
                elif word not in match.unknown:
                    words.append(word)  # known words stay; unknown ones without a match go
            suggestions.append(" ".join(words))
        return tuple(dict.fromkeys(s for s in suggestions if s))


def run_template(workspace: Workspace, loaded: LoadedRun) -> str:
    """The item text template of a run: the one it read, else the dataset's saved one, else
    every text column of the catalog (`default_template`)."""
    path = loaded.info.folder / registry.ITEM_TEXT_FILE
    if path.is_file():
        template = str(json.loads(path.read_text()).get("template") or "")
        if template.strip():
            return template
    saved = saved_template(workspace, loaded.info.dataset)
    return saved if saved and saved.strip() else default_template(loaded.prepared.catalog)


def run_item_texts(workspace: Workspace, loaded: LoadedRun) -> tuple[str, ...]:
    """(V,) each item index's document: its item text and its id ("" for padding)."""
    catalog = loaded.prepared.catalog
    items = loaded.prepared.data.items.tokens
    by_item: dict[str, str] = {}
    template = run_template(workspace, loaded)
    try:
        texts = render_texts(catalog, template) if template.strip() and not catalog.empty else None
    except ConfigError:  # a saved template naming columns this catalog lacks
        fallback = default_template(catalog)
        texts = render_texts(catalog, fallback) if fallback.strip() else None
    if texts is not None:
        by_item = dict(zip(texts.item_ids, texts.texts, strict=True))
    return ("", *(f"{by_item.get(item, '')} {item}".strip() for item in items))
