"""The odd-sized batch every model test feeds its model, so shape bugs cannot hide."""

from __future__ import annotations

import torch

from seqrec_core.data.sequences import IGNORE_INDEX


def odd_sized_batch() -> dict[str, torch.Tensor]:
    """5 rows, left-padded, length 7; labels follow the inputs."""
    input_ids = torch.tensor(
        [
            [0, 0, 0, 5, 17, 33, 2],
            [1, 2, 3, 4, 5, 6, 7],
            [0, 0, 0, 0, 0, 0, 99],
            [0, 0, 44, 45, 46, 47, 48],
            [0, 11, 13, 17, 19, 23, 29],
        ]
    )
    labels = torch.roll(input_ids, -1, dims=1)
    labels[:, -1] = 50
    labels[input_ids == 0] = IGNORE_INDEX
    return {
        "input_ids": input_ids,
        "attention_mask": (input_ids != 0).long(),
        "labels": labels,
        "event_type_ids": (input_ids != 0).long() * 2,
    }
