"""The `madoguchi` command line: one sub-command module per concern under madoguchi/commands.

Every user-fixable problem is a MadoguchiError: printed as one line naming the file and the
problem, exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from core.errors import MadoguchiError

# Each module defines register(subparsers) and sets args.func(args) -> int.
COMMAND_MODULES = [
    "madoguchi.commands.region",
    "madoguchi.commands.roads",
    "madoguchi.commands.traveltime",
    "madoguchi.commands.place",
    "madoguchi.commands.coverage",
    "madoguchi.commands.outreach",
    "madoguchi.commands.partner",
    "madoguchi.commands.report",
    "madoguchi.commands.bench",
    "madoguchi.commands.app",
    "madoguchi.commands.national",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="窓口 Madoguchi: 相談窓口の配置・カバー率計画ツール")
    parser.add_argument("--lang", choices=["ja", "en"], default="ja", help="language of messages (default ja)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # not written yet
                continue
            raise
        mod.register(sub)
    return parser


def print_json(obj) -> None:
    """Print JSON for --json output (UTF-8, no NaN: NaN/inf become null)."""
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str, allow_nan=False))


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


if __name__ == "__main__":
    raise SystemExit(main())
