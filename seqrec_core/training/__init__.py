"""Training and offline evaluation of a model, in one process or under `torchrun`.

- `config`: the training config, progress events and the training result.
- `loop`: the epoch loop (early stopping, time budget, cancel, resume, progress).
- `session`: what a session's steps share; its set-up (optimizer, schedule, EMA, resume).
- `state`: the resumable state saved after every epoch.
- `devices`: device choice (cuda, mps, cpu), mixed precision, seeding.
- `device_names`: the device names a request may give, free of torch.
- `distributed`: data-parallel training across processes (`torchrun`).
- `evaluation`: full-ranking evaluation and its breakdowns, the same for every model.
- `final_test`: a run's final test in batches, with progress, resumable after a stop.
- `popular_reference`: the most-popular list scored on a run's test split, as POP would be.
"""
