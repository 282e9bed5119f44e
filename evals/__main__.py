"""`python -m evals ...`: the same as `regkb eval ...`."""

import sys

from evals.cli import main

sys.exit(main())
