"""`python -m ingest ...`: the same as `regkb ingest ...`, without loading the other subcommands."""

from __future__ import annotations

import argparse
import sys

from ingest.cli import add_arguments, run
from regkb.cli import execute


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest", description="Ingest corpus files into the index."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    add_arguments(parser)
    parser.set_defaults(func=run)
    return execute(parser.parse_args(argv), prog="ingest")


if __name__ == "__main__":
    sys.exit(main())
