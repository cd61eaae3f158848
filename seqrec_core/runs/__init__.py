"""Training runs: the registry, worker processes, and loading a finished run.

- `registry`: registry rows, run folders and the files a worker writes into them.
- `worker`: training jobs in their own OS process: launch, execute, cancel.
- `cancel`: cancelling a queued or running run, without loading the training stack.
- `liveness`: whether a worker process still runs (zombies included).
- `run_table`: runs as people read them: the comparison table, a progress summary.
- `verdict`: what a run found, in one sentence against the most-popular list; metric help.
- `trained_result`: what training produced, kept so a resumed run goes on with its test.
- `trained_run`: a run's best checkpoint with its data, indexed alike (`load_run`).
"""
