"""How commands print: JSON (UTF-8, NaN/inf as null) or readable text."""

from __future__ import annotations

import json


def print_json(obj) -> None:
    """Print JSON for --json output (UTF-8, no NaN: NaN/inf become null)."""
    from madoguchi.planning.store import json_clean

    print(json.dumps(json_clean(obj), ensure_ascii=False, indent=2, default=str, allow_nan=False))


def emit(out: dict, as_json: bool, printer) -> int:
    """Print a command's result as JSON or as readable text (`printer(out)`); exit code 0."""
    if as_json:
        print_json(out)
    else:
        printer(out)
    return 0
