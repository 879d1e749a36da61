"""One error type for every problem a user can fix, with a Japanese and an English message.

The CLI prints it and exits 2; the app shows the Japanese text. Code that raises it must name
the file (or setting) and the problem, so nobody ever needs a traceback to act on it.
"""

from __future__ import annotations

import os


class MadoguchiError(Exception):
    """A problem with the user's input or data, explained in Japanese (`ja`) and English (`en`)."""

    def __init__(self, ja: str, en: str | None = None, *, path: str | os.PathLike[str] | None = None):
        self.ja = ja
        self.en = en or ja
        self.path = os.fspath(path) if path is not None else None
        super().__init__(self.message("en"))

    def message(self, lang: str = "ja") -> str:
        """The message in `lang` ('ja', else English) on one line, prefixed by the path if any.

        Line breaks inside user text (e.g. a name) become spaces.
        """
        text = self.ja if lang == "ja" else self.en
        if self.path:
            text = f"{self.path}: {text}"
        return " ".join(str(text).splitlines())


class InputFileError(MadoguchiError):
    """A file that cannot be read, is in the wrong format, or lacks required columns."""


class ParameterError(MadoguchiError):
    """A setting or model parameter that is out of range or inconsistent."""
