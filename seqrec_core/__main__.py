"""`python -m seqrec_core ...`: the command line (see `seqrec_core.cli`)."""

from seqrec_core.cli import main

raise SystemExit(main())
