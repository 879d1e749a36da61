"""The `madoguchi` command line: one sub-command module per concern under madoguchi/cli/commands,
each with `register(subparsers)`. Commands parse arguments, call madoguchi.planning and print.

Every user-fixable problem is a MadoguchiError: printed as one line naming the file and the
problem, exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from core.errors import MadoguchiError
from madoguchi.cli.output import print_json  # noqa: F401  (commands import it from here)

# Each module defines register(subparsers) and sets args.func(args) -> int.
COMMAND_MODULES = [
    "madoguchi.cli.commands.region",
    "madoguchi.cli.commands.roads",
    "madoguchi.cli.commands.traveltime",
    "madoguchi.cli.commands.place",
    "madoguchi.cli.commands.coverage",
    "madoguchi.cli.commands.outreach",
    "madoguchi.cli.commands.partner",
    "madoguchi.cli.commands.report",
    "madoguchi.cli.commands.bench",
    "madoguchi.cli.commands.app",
    "madoguchi.cli.commands.national",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="窓口 Madoguchi: 相談窓口の配置・カバー率計画ツール")
    parser.add_argument("--lang", choices=["ja", "en"], default="ja", help="language of messages (default ja)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MadoguchiError as e:
        print(f"エラー / error: {e.message(args.lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:  # disk full, permission, a vanished file...: the system's own words, one line
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        reason = e.strerror or str(e)
        print(f"エラー / error: {where}{reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
