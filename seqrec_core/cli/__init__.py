"""The command line, `python -m seqrec_core COMMAND ...` (a contract: see DESIGN.md).

- `main`: the parser and `main`; the command groups' parsers, built from torch-free names.
- `common`: the flags every command has (`--workspace`, `--json`) and progress on stderr.
- `data`: `ingest`, `datasets`.
- `training`: `train`, `evaluate` (with `--search`, the search metrics too).
- `runs`: `runs`, `cancel`.
- `profile`: `profile`.
- `recommend`: `recommend`.
- `search`: `search` (personalised product search).
- `shoppers`: `representations`, `lookalike`, `segments` (shopper representations).
- `explain`: `explain` (one shopper, or an audit).
- `report`: `report`.

Each group imports its heavy parts (torch, transformers, captum, networkx) inside the
handlers, so a command loads only what it runs.
"""
