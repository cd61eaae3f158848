"""Count-based baselines behind the shared recommender interface: `pop` and `cooc`.

- `pop` recommends the items bought/viewed most often in training, to everybody.
- `cooc` is a first-order item-to-item model: `M[a, b]` counts how often `b` directly
  followed `a` in a training sequence (a sparse matrix). The next-item distribution given
  the last `window` events `a_k` (newest first, weights `decay**k`) is
  `p(b) ∝ Σ_k w_k M[a_k, b] + smoothing · p_pop(b)`, so items never seen after the
  context fall back to popularity order instead of tying at zero.

Both score with log-probabilities, so `forward` (the negative log-likelihood of the labels)
and `score_items` agree; `fit` counts, there is nothing to train by gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F

from seqrec_core.checks import check_range
from seqrec_core.data.sequences import IGNORE_INDEX, Batch
from seqrec_core.models.base import ModelConfig, Recommender


def _row_ends(offsets: torch.Tensor, num_events: int) -> torch.Tensor:
    """(E,) True at the last event of each row."""
    last = torch.zeros(num_events, dtype=torch.bool)
    ends = offsets[1:] - 1
    last[ends[ends >= offsets[:-1]]] = True
    return last


@dataclass(frozen=True)
class PopConfig(ModelConfig):
    """Popularity baseline settings."""

    smoothing: float = 1.0  # add-k pseudo-count per item, keeps unseen items' probability > 0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("smoothing", self.smoothing, 1e-9, model=type(self).__name__)


class PopRecommender(Recommender):
    """The same most-popular list for everybody."""

    name: ClassVar[str] = "pop"
    trainable: ClassVar[bool] = False
    config: PopConfig

    def __init__(self, config: PopConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("item_counts", torch.zeros(config.num_items + 1))

    def fit(self, offsets: torch.Tensor, items: torch.Tensor) -> None:
        """Count training events per item."""
        counts = torch.bincount(items.long(), minlength=self.config.num_items + 1)
        self.item_counts.copy_(counts.to(self.item_counts))

    def _log_probs(self) -> torch.Tensor:
        smoothed = self.item_counts + self.config.smoothing  # (V,)
        smoothed = smoothed.index_fill(0, torch.tensor([0], device=smoothed.device), 0.0)
        return (smoothed / smoothed.sum()).log()  # (V,), padding is -inf

    def forward(self, batch: Batch) -> torch.Tensor:
        """Negative log-likelihood of the labels under the popularity distribution."""
        labels = batch["labels"]
        return -self._log_probs()[labels[labels != IGNORE_INDEX]].mean()

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, V) popularity log-probabilities, the same for every row."""
        return self._log_probs().expand(input_ids.shape[0], -1).clone()


@dataclass(frozen=True)
class CoocConfig(ModelConfig):
    """Item-to-item transition baseline settings."""

    window: int = 1  # how many of the most recent events vote
    decay: float = 0.5  # weight of the k-th most recent event (k = 0 newest) is decay**k
    smoothing: float = 1.0  # weight of the popularity prior (in units of transitions)

    def __post_init__(self) -> None:
        super().__post_init__()
        m = type(self).__name__
        check_range("window", self.window, 1, self.max_len, model=m)
        check_range("decay", self.decay, 1e-6, 1.0, model=m)
        check_range("smoothing", self.smoothing, 1e-9, model=m)


class CoocRecommender(Recommender):
    """Next item from sparse item → next-item transition counts, popularity as prior."""

    name: ClassVar[str] = "cooc"
    trainable: ClassVar[bool] = False
    config: CoocConfig

    def __init__(self, config: CoocConfig) -> None:
        super().__init__()
        self.config = config
        size = config.num_items + 1
        self.register_buffer("item_counts", torch.zeros(size))
        self.register_buffer("transition_index", torch.zeros(2, 0, dtype=torch.long))  # (2, nnz)
        self.register_buffer("transition_count", torch.zeros(0))  # (nnz,)

    def fit(self, offsets: torch.Tensor, items: torch.Tensor) -> None:
        """Count item → next-item transitions within each training sequence."""
        size = self.config.num_items + 1
        items = items.long()
        self.item_counts = torch.bincount(items, minlength=size).float()
        follows = ~_row_ends(offsets.long(), len(items))[:-1]  # pair i → i+1 inside a row
        pairs = torch.stack([items[:-1][follows], items[1:][follows]])  # (2, P)
        matrix = torch.sparse_coo_tensor(pairs, torch.ones(pairs.shape[1]), (size, size))
        matrix = matrix.coalesce()
        self.transition_index = matrix.indices()
        self.transition_count = matrix.values()

    def load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Load counts; the number of transitions is data-dependent, so buffers are replaced."""
        expected = {"item_counts", "transition_index", "transition_count"}
        if set(tensors) != expected:
            raise KeyError(f"cooc expects tensors {sorted(expected)}, got {sorted(tensors)}")
        for key, value in tensors.items():
            setattr(self, key, value.clone())

    def _log_probs(self, context: torch.Tensor) -> torch.Tensor:
        """(T, V) log-probabilities of the next item after (T, W) contexts (newest last)."""
        size = self.config.num_items + 1
        width = context.shape[1]
        weights = self.config.decay ** torch.arange(width - 1, -1, -1, device=context.device)
        query = torch.zeros(context.shape[0], size, device=context.device)  # (T, V)
        query.scatter_add_(1, context, weights.expand_as(context).to(query))
        query[:, 0] = 0.0  # padding votes for nothing
        # Transposed CSR so the product is sparse @ dense: (V, V) @ (V, T) -> (V, T).
        transposed = torch.sparse_coo_tensor(
            self.transition_index.flip(0), self.transition_count, (size, size)
        ).to_sparse_csr()
        votes = (transposed @ query.T).T  # (T, V)
        row_totals = self.transition_count.new_zeros(size).index_add_(
            0, self.transition_index[0], self.transition_count
        )
        popularity = self.item_counts + 1.0
        popularity[0] = 0.0
        prior = self.config.smoothing * popularity / popularity.sum()  # (V,)
        numerator = votes + prior  # (T, V)
        denominator = query @ row_totals + self.config.smoothing  # (T,)
        return (numerator / denominator.unsqueeze(1)).log()

    def forward(self, batch: Batch) -> torch.Tensor:
        """Negative log-likelihood of every label given the window ending at its position."""
        width = self.config.window
        input_ids, labels = batch["input_ids"], batch["labels"]
        windows = F.pad(input_ids, (width - 1, 0)).unfold(1, width, 1)  # (B, L, W)
        keep = labels != IGNORE_INDEX
        log_probs = self._log_probs(windows[keep])  # (T, V)
        return -log_probs.gather(1, labels[keep].unsqueeze(1)).mean()

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, V) next-item log-probabilities given each row's last `window` events."""
        context = F.pad(input_ids, (self.config.window, 0))[:, -self.config.window :]
        return self._log_probs(context)
