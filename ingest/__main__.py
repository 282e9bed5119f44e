"""`python -m ingest ...`: the same as `regkb ingest ...`, without loading the other subcommands."""

from __future__ import annotations

import argparse
import logging
import sys

from ingest.cli import add_arguments, run
from regkb.errors import RegkbError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest", description="Ingest corpus files into the index."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return run(args)
    except RegkbError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ingest: interrupted; the previous index is untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
