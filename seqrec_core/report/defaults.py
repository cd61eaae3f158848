"""What a report request defaults to, free of torch (the CLI parser shows it in `--help`)."""

from __future__ import annotations

AUDIT_USERS = 20  # shoppers in the report's faithfulness audit
