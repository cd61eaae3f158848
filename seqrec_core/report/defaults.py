"""What a report request defaults to, and the bars its verdict uses, free of torch.

The CLI parser shows `AUDIT_USERS` in `--help`; `verdict` reads the two bars.
"""

from __future__ import annotations

AUDIT_USERS = 20  # shoppers in the report's faithfulness audit
DEFAULT_USERS = 3  # shoppers explained when none are named: three telling cases
# An explanation method is trusted when its reasons pass the deletion check (removing the
# events it ranks first lowers the score faster than random removals) for this share of
# the audited shoppers.
TRUSTED_SHARE = 0.7
# Integrated Gradients is flagged when its convergence delta is large for more than this
# share of the audited shoppers.
LARGE_DELTA_SHARE = 0.2
