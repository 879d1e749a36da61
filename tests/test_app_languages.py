"""Every page, rendered with AppTest in both languages on the real Ibaraki bundle, shows only its
own language: no kana/kanji in English mode, no English words in Japanese mode.

Allowed are proper names taken from the region data (municipality, district and site names,
addresses, the prefecture, the manifest's source titles/publishers/licences/credits, the region
folder name) and the words each language's own catalogue in madoguchi/i18n.py deliberately uses
(format names such as PDF or CSV in Japanese text). The allow-list is built from those, not by hand.
The language switch itself ("日本語" / "English") is the one widget shown in both languages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from madoguchi import i18n

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "app.py",
    "pages/1_map.py",
    "pages/2_placement.py",
    "pages/3_coverage.py",
    "pages/4_outreach.py",
    "pages/5_partnership.py",
    "pages/6_report.py",
    "pages/7_presentation.py",
    "pages/8_national.py",
]
JP = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e、。「」『』・〜]")
WORD = re.compile(r"[A-Za-z][A-Za-z]+")


SHOWN = {"label", "body", "options", "help", "placeholder", "text", "value", "delta", "caption", "title"}


def _strings(msg, out: list[str]) -> None:
    """The string fields of a protobuf element that are shown to the user (labels, options,
    bodies, values, help), not ids, keys, icons or page hashes."""
    for fd, val in msg.ListFields():
        repeated = fd.is_repeated if hasattr(type(fd), "is_repeated") else fd.label == fd.LABEL_REPEATED
        vals = val if repeated else [val]
        for v in vals:
            if isinstance(v, Message):
                _strings(v, out)
            elif isinstance(v, str) and fd.name in SHOWN:
                out.append(v)


def map_texts(html: str) -> list[str]:
    """What a folium map shows as text: legend and label text nodes, tooltip headings
    (the page's HTML escapes non-ASCII as \\uXXXX inside scripts: decoded first)."""
    html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)
    nodes = [x.strip() for x in re.findall(r">([^<>]+)<", html)]
    shown = [x for x in nodes if x and not re.search(r"[{};=]|\(\)|\bfunction\b|\bvar\b", x)]
    for block in re.findall(r"aliases\s*[:=]\s*\[([^\]]*)\]", html):
        shown.extend(re.findall(r'"([^"]+)"', block))
    return shown


def page_texts(at: AppTest, with_maps: bool) -> list[str]:
    """All visible text of a rendered page: element protos' strings, tables' headers and cells,
    and (with_maps) the folium maps' HTML (legends, tooltips)."""
    out: list[str] = []

    def walk(node):
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            if getattr(node, "type", "") == "expander":
                out.append(node.label)
            for c in children.values():
                walk(c)
            return
        typ = getattr(node, "type", "")
        if getattr(node, "key", None) == "lang_choice":
            return  # the language switch names both languages on purpose
        if typ in ("arrow_data_frame", "arrow_table", "table", "dataframe"):
            df = node.value
            if isinstance(df, pd.DataFrame):
                out.extend(str(c) for c in df.columns)
                out.extend(str(i) for i in df.index if not isinstance(i, int))
                shown = df[[c for c in df.columns if df[c].dtype != bool]]  # booleans are checkboxes
                out.extend(str(v) for v in shown.astype(str).to_numpy().ravel() if v not in ("nan", "None", "<NA>"))
            return
        proto = getattr(node, "proto", None)
        if proto is None:
            return
        if typ == "html" or (typ == "markdown" and str(getattr(node, "value", "")).startswith("<style>")):
            return  # scoped CSS (uploader), not shown as text
        if proto.DESCRIPTOR.name == "ComponentInstance":
            if with_maps:
                args = json.loads(proto.json_args or "{}")
                out.extend(map_texts("\n".join(v for v in args.values() if isinstance(v, str))))
            return
        _strings(proto, out)

    walk(at._tree)
    return [s for s in out if s and s.strip()]


@pytest.fixture(scope="module")
def names(ibaraki_region) -> tuple[list[str], set[str]]:
    return region_names(ibaraki_region)


def region_names(r) -> tuple[list[str], set[str]]:
    """Proper names from the region data (longest first) and the ASCII words they contain."""
    found: set[str] = set()
    for col in ("name", "pref_name", "county", "wards"):
        if col in r.municipalities:
            found |= {str(x) for x in r.municipalities[col] if str(x)}
    for col in ("town", "koaza", "ward"):
        if col in r.demand:
            found |= {str(x) for x in r.demand[col] if str(x) and str(x) != "nan"}
    for col in ("name", "address", "label", "matched"):
        if col in r.sites:
            found |= {str(x) for x in r.sites[col] if str(x) and str(x) != "nan"}
    for src in (r.manifest.get("sources") or {}).values():
        if isinstance(src, dict):
            found |= {str(src[k]) for k in ("title", "publisher", "licence", "credit") if isinstance(src.get(k), str)}
    found |= {r.name, str(r.manifest.get("pref_name", ""))}
    words = {w for s in found for w in WORD.findall(s)}
    return sorted((s for s in found if s), key=len, reverse=True), words


def catalogue_words(lang: str) -> set[str]:
    """ASCII words the language's own catalogue uses on purpose (e.g. 'PDF' in Japanese text)."""
    k = 1 if lang == "en" else 0
    texts = [re.sub(r"{\w+}", " ", pair[k]) for key, pair in i18n.STRINGS.items() if key != "language"]
    return {w for s in texts for w in WORD.findall(s)}


def leftovers(texts: list[str], lang: str, names: tuple[list[str], set[str]]) -> list[str]:
    """Pieces of the other language left after removing the allowed names."""
    allowed, name_words = names
    bad = []
    for s in texts:
        rest = s
        for n in allowed:
            if n in rest:
                rest = rest.replace(n, " ")
        if lang == "en":
            if JP.search(rest):
                bad.append(s[:160])
        else:
            ok = {w.lower() for w in catalogue_words("ja") | name_words}
            rest = re.sub(r"\.[A-Za-z0-9]+\b", " ", rest)  # file extensions (.csv, .osm.pbf) are file names
            words = [w for w in WORD.findall(rest) if w.lower() not in ok]
            if words:
                bad.append(f"{words[:5]} in {s[:160]!r}")
    return bad


def _fill(at: AppTest, page: str) -> None:
    """Press the page's main button so its results (tables, maps, calendar) are on screen too."""
    keys = {"pages/2_placement.py": "pl_run", "pages/4_outreach.py": "or_run", "pages/5_partnership.py": "pa_run"}
    if page == "pages/2_placement.py":
        at.radio(key="pl_method" if at.session_state["_lang"] == "日本語" else "pl_method_en").set_value("heuristic")
    if page == "pages/4_outreach.py":
        at.text_input(key="or_month").set_value("2026-12")
    if page in keys:
        at.button(key=keys[page]).click().run()
    if page == "pages/2_placement.py":  # a saved scenario: the list with its (JST) date is shown too
        at.button(key="scp_save").click().run()
    if page == "pages/6_report.py" and any(b.key == "rep_build" for b in at.button):
        at.button(key="rep_build").click().run()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_shows_only_its_language(app_env, names, lang):
    problems = other_language_on_pages(lang, names, PAGES)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def other_language_on_pages(lang: str, names, pages: list[str]) -> dict:
    """Render `pages` in one session in `lang`; {page: [texts of the other language]}."""
    from geo.paths import regions_dir
    from geo.region import list_regions

    # every bundle in the regions folder is offered in the region picker: its folder name is a file name
    bundles = {str(r["name"]) for r in list_regions(regions_dir())}
    names = (
        sorted(set(names[0]) | bundles, key=len, reverse=True),
        names[1] | {w for b in bundles for w in WORD.findall(b)},
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    if lang == "en":
        at.sidebar.radio(key="lang_choice").set_value("English").run()
    problems = {}
    for page in pages:
        if page != "app.py":
            at.switch_page(page).run()
        _fill(at, page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        texts = page_texts(at, with_maps=(lang == "en"))
        assert len(texts) > 10, page  # the page really drew something
        bad = leftovers(texts, lang, names)
        if bad:
            problems[page] = bad[:12]
    return problems


def test_dates_in_japan_time_as_people_write_them():
    assert i18n.fmt_datetime("2026-11-23T15:15:35+00:00", "ja") == "2026年11月24日 00:15"
    assert i18n.fmt_datetime("2026-11-23T15:15:35+00:00", "en") == "24 Nov 2026 00:15 JST"
    assert i18n.fmt_datetime("2026-11-23T01:00:00+00:00", "ja") == "2026年11月23日 10:00"
    assert i18n.fmt_month("2026-12", "en") == "December 2026" and i18n.fmt_month("2026-12") == "2026年12月"


def test_labels_from_codes_in_both_languages():
    assert i18n.cost_rule_label("equal:0.1,population:0.9", "ja") == "均等割 10%＋人口割 90%"
    assert i18n.cost_rule_label({"equal": 0.1, "population": 0.9}, "en") == "10% equal + 90% by population"
    assert i18n.hub_source_label("manual", "ja") == "手動" and i18n.hub_source_label("model", "en") == "model"
    assert i18n.source_key_label("boundaries", "ja") == "市町村境界"
    assert i18n.reason_label("日帰り不可", "en") == "too far for a day trip"
    assert i18n.fmt_threshold(30.0, "en") == "30 min" and i18n.fmt_threshold(30.0) == "30分"
    # the English catalogue has no Japanese script, the Japanese one is Japanese text
    for key, (_ja, en) in i18n.STRINGS.items():
        if key == "language":
            continue  # the label of the language switch names both languages on purpose
        assert not JP.search(en), (key, en)


def test_model_notes_and_messages_follow_the_language():
    from madoguchi.app import views as V
    from madoguchi.app import widgets as W

    note = "solver status Not Solved (time limit 30 s)"
    assert V.model_note(note, "ja") == "ソルバーの終了状態: 未解決（時間上限 30 秒）"
    assert V.model_note(note, "en") == "solver status: not solved (time limit 30 s)"
    # a message kept in session state is worded when shown, in the language chosen then
    m = W.message("model_done", model=("t", "model_pmedian"), n=3, method=("t", "method_heuristic"), s="0.04")
    assert W.message_text(m, "ja").startswith("p-メディアン（平均所要時間を最小に）: 新しい拠点 3 か所")
    # values are markdown-escaped (madoguchi.safe_text.markdown_text) and show literally
    assert W.message_text(m, "en") == "p-median (minimise mean travel time): 3 new hubs (fast (heuristic), 0\\.04 s)"
