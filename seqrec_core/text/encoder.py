"""The sentence encoder: texts in, L2-normalised vectors out (mean pooling, as it was trained).

`load_encoder` builds `transformers`' `AutoTokenizer` and `AutoModel` from a checked local
folder (`encoder_files`) with the hub switched off, so nothing is ever downloaded. Texts are
encoded in batches sorted by length (less padding), on the GPU when there is one (bf16
autocast there), with a progress callback of counts. Texts longer than the encoder's
window are truncated to it; `Encoded.truncated` says how many.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from seqrec_core.text.encoder_files import EncoderFiles

Progress = Callable[[int, int], None]  # (texts encoded so far, texts in all)


@dataclass(frozen=True)
class Encoded:
    """Vectors of texts, in input order, and how many texts the window cut short."""

    vectors: np.ndarray  # (N, dim) float32, unit length (all zeros for an empty text)
    truncated: int


class SentenceEncoder:
    """A loaded sentence encoder (see the module docstring).

    Args:
        files: the checked folder.
        device: "auto" (cuda when available, else cpu), "cpu" or "cuda".
    """

    def __init__(self, files: EncoderFiles, device: str = "auto") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: local files only
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our callers show their own progress
        self.files = files
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(files.folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(files.folder, local_files_only=True)
        self.model.to(self.device).eval()

    @property
    def dim(self) -> int:
        """Width of the vectors."""
        return int(self.model.config.hidden_size)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> Encoded:
        """Unit-length vectors of `texts` (mean of the token states over the attention mask).

        Empty texts get a zero vector (no token to average); they are never sent to the model.
        """

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, text in enumerate(texts) if text.strip()]
        # Longest first: similar lengths share a batch, and memory peaks at the start.
        todo.sort(key=lambda i: -len(texts[i]))
        truncated = 0
        done = len(texts) - len(todo)
        if progress is not None:
            progress(done, len(texts))
        for start in range(0, len(todo), batch_size):
            rows = todo[start : start + batch_size]
            batch = self.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self.files.max_length,
                return_tensors="pt",
            )
            # A text that fills the whole window was (almost surely) cut short by it.
            lengths = batch["attention_mask"].sum(dim=1)
            truncated += int((lengths >= self.files.max_length).sum())
            out[rows] = self._pooled({k: v.to(self.device) for k, v in batch.items()})
            done += len(rows)
            if progress is not None:
                progress(done, len(texts))
        return Encoded(out, truncated)

    def _pooled(self, batch: dict[str, Any]) -> np.ndarray:
        """(B, dim) mean-pooled, L2-normalised token states of one tokenised batch."""
        import torch

        with (
            torch.inference_mode(),
            torch.autocast(
                device_type=self.device.type,
                dtype=torch.bfloat16,
                enabled=self.device.type == "cuda",
            ),
        ):
            states = self.model(**batch).last_hidden_state.float()  # (B, L, dim)
        mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)  # (B, L, 1)
        mean = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return torch.nn.functional.normalize(mean, dim=-1).cpu().numpy()


def load_encoder(files: EncoderFiles, device: str = "auto") -> SentenceEncoder:
    """`SentenceEncoder(files, device)`: the one place an encoder is built."""
    return SentenceEncoder(files, device)
