"""`python -m seqrec_core ...`: the command line (see `seqrec_core.cli.main`)."""

from seqrec_core.cli.main import main

raise SystemExit(main())
