"""The device names a training request may give, free of torch.

The command line's parser offers them as `train --device` choices without loading torch;
`seqrec_core.training.devices.resolve_device` says what each one stands for.
"""

from __future__ import annotations

DEVICES = ("auto", "cpu", "cuda", "mps")
