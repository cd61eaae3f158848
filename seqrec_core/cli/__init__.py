"""The command line, `python -m seqrec_core COMMAND ...` (a contract: see DESIGN.md).

- `main`: the parser and `main`; each command group's module is imported only when used.
- `training`: `train`, `evaluate`, `runs`, `cancel`.
- `profile`: `profile`.
- `recommend`: `recommend`.
- `explain`: `explain` (one shopper, or an audit).
- `report`: `report`.
"""
