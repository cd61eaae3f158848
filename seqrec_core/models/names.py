"""The model names and their plain-language help, importable without torch.

The command line's parser (`--model` choices) and the Train page's picker read these;
`seqrec_core.models.MODELS` maps the same names, in the same order, to their classes.
"""

from __future__ import annotations

MODEL_NAMES = ("sasrec", "bert4rec", "gru4rec", "pop", "cooc")
# The models that represent a shopper (a state their next item is scored from).
NEURAL_MODELS = ("sasrec", "bert4rec", "gru4rec")
# How people write them (the papers' spelling; the baselines in capitals).
MODEL_TITLES: dict[str, str] = {
    "sasrec": "SASRec",
    "bert4rec": "BERT4Rec",
    "gru4rec": "GRU4Rec",
    "pop": "POP",
    "cooc": "COOC",
}

# Plain-language help for the Train page and `--help`, one line per model.
MODEL_HELP: dict[str, str] = {
    "sasrec": "Transformer that reads the shopper's recent events in order and predicts the "
    "next item (SASRec). The strongest default; learns chains like camera → memory card.",
    "bert4rec": "Bidirectional transformer trained to fill in hidden events (BERT4Rec). "
    "Usually below SASRec on next-item tasks; useful as a second opinion.",
    "gru4rec": "Recurrent network over the sequence (GRU4Rec). Fast and solid; the classic "
    "session-based recommender.",
    "pop": "Most popular items for everybody. No personalisation: the floor every model must beat.",
    "cooc": "Items that most often came right after the shopper's last items. Simple "
    "'bought after' rules; a strong baseline on chain-like behaviour.",
}
