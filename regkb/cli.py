"""The `regkb` command: a thin dispatcher over subcommand modules.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``func`` (taking the parsed args, returning an exit code). Core subcommands live in
regkb.commands; ingest and eval register through the ``regkb.commands`` entry-point group,
so this package never imports them by name.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from importlib.metadata import entry_points

from regkb.errors import RegkbError

BUILTIN: tuple[str, ...] = (
    "regkb.commands.ask",
    "regkb.commands.check",
    "regkb.commands.verify",
    "regkb.commands.quiz",
    "regkb.commands.serve",
    "regkb.commands.mcp",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regkb", description="催收合规知识库 / debt-collection compliance KB"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in BUILTIN:
        importlib.import_module(name).register(sub)
    for ep in sorted(entry_points(group="regkb.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def execute(args: argparse.Namespace, prog: str = "regkb") -> int:
    """Run a parsed command: logging set up here, errors mapped to a message and exit code."""
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except RegkbError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; the previous index is untouched", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    return execute(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
