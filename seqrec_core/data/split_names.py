"""The names of the evaluation protocols and of their held-out parts, free of torch.

The command line's parser offers them as choices (`train --split`, `evaluate --split`)
without loading the data pipeline; `seqrec_core.data.prepare` and
`seqrec_core.runs.trained_run` check requests against these same tuples.
"""

from __future__ import annotations

# How a dataset is divided into train / valid / test (see `data.prepare.make_split`).
SPLITS = ("leave_one_out", "temporal")

# The held-out parts a trained run can be scored on (`runs.trained_run.evaluate_run`).
EVAL_SPLITS = ("test", "valid")
