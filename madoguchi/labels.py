"""Moved: every label and number format is made in :mod:`madoguchi.i18n` (one i18n place).

This module only re-exports those names for code written against the old path; import from
``madoguchi.i18n``. Nothing is defined here (one alias keeps an old name).
"""
from __future__ import annotations

from functools import partial

from madoguchi.i18n import (  # noqa: F401
    adjacency_label,
    fmt_num,
    frequency_label,
    host_rule_label,
    method_code_label,
    method_codes_label,
    method_name_label,
    note_label,
    reason_label,
    scope_label,
    second_desk_label,
    share_rule_label,
)

travel_time_method_label = partial(method_name_label, short=True)  # old name: 'road' -> 道路 / road
