"""Japanese (default) and English strings, and number formatting with units, for app, CLI and reports.

One place for every visible word, so a council handout and the screen say the same thing.
Scenarios store codes and numbers only; the labels for those codes (scope, method, reasons, rules),
the number formatters and the report's words are all made here, at display time.
`t(key, lang)` returns the string; the fmt_* helpers format numbers with thousands separators
and units (人, 分, km, 円); estimates are marked 「推定」 and unreachable/unknown are said in words.
"""

from __future__ import annotations

import math

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"

# key -> (ja, en). Placeholders use str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    # app-wide
    "app_title": (
        "窓口 Madoguchi — 相談窓口の配置・カバー率計画",
        "Madoguchi — consultation desk placement and coverage",
    ),
    "app_caption": (
        "福祉事務所のない町村の住民が、自立相談支援機関に何分で行けるかを地図で確かめ、拠点・出張相談・広域連携を計画します。",
        "See how many minutes residents of towns and villages without a welfare office need to reach a consultation desk; plan hubs, itinerant consultations and joint services.",
    ),
    "language": ("言語 / Language", "Language / 言語"),
    "basemap_toggle": ("背景地図 (オンライン時)", "Background map (when online)"),
    "basemap_offline": ("オフラインのため背景地図なしで表示しています。", "Offline: shown without a background map."),
    "region": ("地域", "Region"),
    "no_region": (
        "地域データがまだありません。ホーム画面で都道府県を選んで「地域を作成」を押してください。",
        "No region yet. Choose a prefecture on the home page and press “Build region”.",
    ),
    "loading_region": ("地域データを読み込んでいます…", "Loading the region…"),
    "computing_matrix": ("所要時間を計算しています…", "Computing travel times…"),
    "error_generic": (
        "予期しないエラーが発生しました。入力を確認して、もう一度お試しください。解決しない場合は下の詳細を担当者に伝えてください。",
        "An unexpected error occurred. Check the input and try again; if it persists, pass the details below to support.",
    ),
    "error_details": ("詳細（担当者向け）", "Details (for support)"),
    "error_what_to_do": ("対処:", "What to do:"),
    "module_missing": (
        "この機能の計算部品 ({module}) がまだ入っていません。Madoguchi を更新してください。",
        "The computation module for this feature ({module}) is not installed yet. Update Madoguchi.",
    ),
    # home
    "home_choose_region": ("地域を選ぶ", "Choose a region"),
    "home_build_region": ("地域を作成", "Build region"),
    "home_prefecture": ("都道府県", "Prefecture"),
    "home_build_files": (
        "境界・道路のファイルを指定しない場合は、データフォルダにある出典ファイルを使います。取り込んだファイルはデータフォルダ内に保存されます。",
        "Without files, the source files in the data folder are used. Uploaded files are kept inside the data folder.",
    ),
    "upload_boundaries": (
        "市町村境界（N03 の GeoJSON / GeoPackage / zip）",
        "Municipal boundaries (N03 GeoJSON / GeoPackage / zip)",
    ),
    "upload_roads": ("道路データ（OpenStreetMap .osm.pbf / .osm）", "Road data (OpenStreetMap .osm.pbf / .osm)"),
    "home_building": (
        "地域データを作成しています（数十秒かかることがあります）…",
        "Building the region (may take some tens of seconds)…",
    ),
    "home_built": ("地域データを作成しました: {name}", "Region built: {name}"),
    "home_data_status": ("データの状況", "Data status"),
    "home_sources": ("出典", "Sources"),
    "home_counts": ("件数", "Counts"),
    "home_excluded": ("除外・不明なもの", "Excluded or unknown"),
    "home_warnings": ("注意", "Warnings"),
    "home_pages": ("各ページでできること", "What each page does"),
    "road_source": ("道路データ", "Road data"),
    "road_estimate_warning": (
        "この地域には道路データがありません。所要時間はすべて直線距離からの推定（推定）です。道路データ (.osm.pbf) を追加すると道路に沿った時間になります。",
        "This region has no road data: every travel time is an estimate from straight-line distance. Add road data (.osm.pbf) for road-based times.",
    ),
    "road_present": ("道路データあり: {source}", "Road data: {source}"),
    "municipalities": ("市町村", "Municipalities"),
    "municipalities_without_office": ("福祉事務所のない町村", "Towns/villages without a welfare office"),
    "demand_points": ("需要点（大字・町丁目）", "Demand points (districts: ōaza / chōchōme)"),
    "sites": ("候補地・既存拠点", "Candidate and existing sites"),
    "population": ("人口", "Population"),
    "page_map": ("地図", "Map"),
    "page_placement": ("拠点配置", "Hub placement"),
    "page_coverage": ("カバー率", "Coverage"),
    "page_outreach": ("出張相談ルート", "Itinerant routes"),
    "page_partnership": ("広域連携", "Joint services"),
    "page_report": ("レポート", "Report"),
    "page_map_desc": (
        "市町村を種別・福祉事務所・人口で色分けし、道路と候補地を表示します。",
        "Municipalities by kind / welfare office / population, roads and sites.",
    ),
    "page_placement_desc": (
        "配置モデルを実行し、地図のクリックや表で拠点を追加・移動・削除します。カバー率はすぐ更新されます。",
        "Run placement models; add, move or remove hubs by clicking the map or in a table; coverage updates at once.",
    ),
    "page_coverage_desc": (
        "基準時間ごとの到達圏、市町村別の表、到達できない地区、シナリオの比較。",
        "Isochrones per threshold, per-municipality table, unreachable places, scenario comparison.",
    ),
    "page_outreach_desc": (
        "出張相談の巡回ルートと月間カレンダーを作ります。",
        "Plan itinerant consultation routes and the monthly calendar.",
    ),
    "page_partnership_desc": (
        "広域連携のグループ、拠点となる会場、費用分担表。",
        "Joint-service groups, host sites and the cost-share table.",
    ),
    "page_report_desc": (
        "議会・庁内向けのレポート（PDF・HTML・Excel・GeoPackage）を出力します。",
        "Export the report (PDF, HTML, Excel, GeoPackage) for council and staff.",
    ),
    # map page
    "color_by": ("色分け", "Colour by"),
    "color_kind": ("種別（市・町・村）", "Kind (city/town/village)"),
    "color_welfare": ("福祉事務所の有無", "Welfare office"),
    "color_population": ("人口", "Population"),
    "show_roads": ("道路を表示", "Show roads"),
    "show_sites": ("候補地を表示", "Show sites"),
    "show_demand": ("需要点を表示", "Show demand points"),
    "legend_kind": ("市町村の種別", "Municipality kind"),
    "legend_welfare": ("福祉事務所", "Welfare office"),
    "legend_population": ("人口", "Population"),
    "legend_hubs": ("相談拠点", "Consultation hubs"),
    "legend_sites": ("候補地", "Candidate sites"),
    "legend_isochrones": ("到達圏（所要時間）", "Reach (travel time)"),
    "legend_routes": ("出張相談ルート", "Itinerant routes"),
    "legend_groups": ("広域連携グループ", "Joint-service groups"),
    "legend_roads": ("道路", "Roads"),
    "welfare_yes": ("あり", "yes"),
    "welfare_no": ("なし", "no"),
    "kind_city": ("市", "city"),
    "kind_town": ("町", "town"),
    "kind_village": ("村", "village"),
    "unknown": ("不明", "unknown"),
    "unreachable": ("到達不能", "unreachable"),
    "estimate": ("推定", "estimate"),
    "method": ("所要時間の算出方法", "Travel-time method"),
    "method_road": ("道路", "road"),
    "method_estimate": ("推定（直線距離×迂回率÷速度）", "estimate (straight line × circuity ÷ speed)"),
    "method_link": ("航路等を含む", "includes a ferry/link"),
    "method_mixed": ("混在", "mixed"),
    "demand_rule": ("需要の配分ルール", "Demand rule"),
    "demand_rule_equal": (
        "市町村の人口をその大字・町丁目の代表点に均等に配分",
        "each municipality's population split equally over its district (ōaza / chōchōme) points",
    ),
    "demand_scope": ("対象住民", "Demand scope"),
    "scope_without": ("福祉事務所のない町村の住民", "residents of towns/villages without a welfare office"),
    "scope_all": ("全市町村の住民", "residents of all municipalities"),
    # placement
    "hubs": ("拠点", "Hubs"),
    "hub_table": ("拠点一覧（緯度・経度を編集できます）", "Hubs (latitude/longitude editable)"),
    "model": ("モデル", "Model"),
    "run_model": ("モデルを実行", "Run model"),
    "n_hubs": ("新しく置く拠点の数", "Number of new hubs"),
    "threshold": ("基準時間", "Threshold"),
    "click_mode": ("地図クリックの動作", "Map click does"),
    "click_none": ("何もしない", "nothing"),
    "click_add": ("拠点を追加", "add a hub"),
    "click_move": ("選んだ拠点を移動", "move the selected hub"),
    "click_remove": ("近くの拠点を削除", "remove the nearest hub"),
    "hub_removed": ("拠点を削除しました: {name}", "Hub removed: {name}"),
    "no_hub_near": ("クリックした地点から 5 km 以内に拠点がありません。", "No hub within 5 km of the click."),
    "selected_hub": ("移動する拠点", "Hub to move"),
    "hub_added": ("拠点を追加しました: {name}", "Hub added: {name}"),
    "hub_moved": ("拠点を移動しました: {name}", "Hub moved: {name}"),
    "remove_hub": ("拠点を削除", "Remove hub"),
    "clear_hubs": ("すべての拠点を消す", "Clear all hubs"),
    "page_run_time": ("この画面の計算: {ms} ミリ秒", "This page computed in {ms} ms"),
    "recompute_time": ("再計算 {ms} ミリ秒", "recomputed in {ms} ms"),
    "covered_share": ("{t}分以内に行ける住民の割合", "Share of residents within {t} min"),
    "covered_people": ("{t}分以内に行ける住民", "residents within {t} min"),
    "mean_time": ("平均所要時間", "Mean travel time"),
    "p90_time": ("90%の住民が行ける時間", "90th percentile time"),
    "max_time": ("最長所要時間", "Longest travel time"),
    "no_hubs": (
        "拠点がまだありません。モデルを実行するか、地図をクリックして追加してください。",
        "No hubs yet: run a model or click the map to add one.",
    ),
    "model_pmedian": ("p-メディアン（平均所要時間を最小に）", "p-median (minimise mean travel time)"),
    "model_mclp": ("最大カバー（基準時間内の人口を最大に）", "MCLP (maximise population within the threshold)"),
    "model_lscp": ("集合カバー（全員を基準時間内に・最少拠点数）", "LSCP (everyone within the threshold, fewest hubs)"),
    "model_pcenter": ("p-センター（最長所要時間を最小に）", "p-center (minimise the longest travel time)"),
    "solve_method": ("解法", "Solver"),
    "method_auto": ("自動（小さければ厳密解）", "auto (exact when small)"),
    "method_exact": ("厳密解（HiGHS）", "exact (HiGHS)"),
    "method_heuristic": ("高速（近似解）", "fast (heuristic)"),
    "keep_manual": ("手動で置いた拠点を残す", "Keep hand-placed hubs"),
    "model_done": ("{model}: 新しい拠点 {n} か所（{method}, {s} 秒）", "{model}: {n} new hubs ({method}, {s} s)"),
    "model_running": ("配置モデルを計算しています…", "Running the placement model…"),
    "placement_notes": ("モデルの注記", "Model notes"),
    "excluded_unknown": ("人口不明で除外した需要点: {n}", "demand points excluded (unknown population): {n}"),
    "uncoverable": (
        "基準時間内にどの候補地からも行けない需要点: {n}",
        "demand points no candidate reaches within the threshold: {n}",
    ),
    "map_click_hint": (
        "地図をクリックすると、選んだ動作（追加・移動）が行われます。",
        "Click the map to add or move a hub (as chosen).",
    ),
    "apply_table": ("表の変更を反映", "Apply table changes"),
    "scenario_section": ("シナリオの保存・読み込み", "Save and load scenarios"),
    "saved_scenarios": ("保存済みシナリオ", "Saved scenarios"),
    "upload_sites": (
        "拠点・候補地 CSV を取り込む（name と lat,lon または address）",
        "Upload a sites CSV (name and lat,lon or address)",
    ),
    "upload_scenario": ("シナリオファイル (JSON) を取り込む", "Upload a scenario file (JSON)"),
    "sites_added": (
        "{n} 件の拠点を追加しました（座標なし {bad} 件は除外）。",
        "{n} sites added ({bad} without coordinates left out).",
    ),
    "upload_links": ("航路・橋などのリンク CSV を取り込む", "Upload ferry / bridge links (CSV)"),
    "links_in_use": ("使用中", "in use"),
    "links_help": (
        "列: from_lat,from_lon,to_lat,to_lon,minutes[,name]（双方向、待ち時間を含めた分）。拠点配置・カバー率の所要時間に反映されます（出張相談・広域連携には未反映）。",
        "Columns: from_lat,from_lon,to_lat,to_lon,minutes[,name] (two-way, minutes incl. waiting). Used for placement and coverage (not yet for outreach and joint services).",
    ),
    "links_added": ("{n} 本のリンクを使います（{name}）。", "Using {n} links ({name})."),
    "links_clear": ("リンクを使わない", "Stop using the links"),
    "upload_stored": ("保存先（データフォルダ内）", "stored in the data folder as"),
    "sites_unusable": (
        "座標がない・地域外の行（使っていません）:",
        "Rows without coordinates or outside the region (not used):",
    ),
    "extra_candidates": (
        "取り込んだ候補地（モデルの候補に追加）",
        "Uploaded candidate sites (added to the model's candidates)",
    ),
    "time_basis": (
        "所要時間: {method}　／　需要: {rule}　／　対象: {scope}",
        "Travel time: {method} / demand: {rule} / scope: {scope}",
    ),
    # coverage
    "per_muni_table": ("市町村別", "Per municipality"),
    "unreachable_list": ("到達できない地区", "Unreachable places"),
    "unreachable_none": ("到達できない地区はありません。", "No unreachable places."),
    "show_isochrones": ("到達圏を表示", "Show isochrones"),
    "compare": ("シナリオの比較", "Compare scenarios"),
    "compare_a": ("比較A", "Scenario A"),
    "compare_b": ("比較B", "Scenario B"),
    "cmp_gain": ("A→B で所要時間が短くなる住民", "residents with a shorter trip in B than in A"),
    "cmp_loss": ("A→B で所要時間が長くなる住民", "residents with a longer trip in B than in A"),
    "current": ("（現在の作業中）", "(current, unsaved)"),
    # scenarios
    "scenario": ("シナリオ", "Scenario"),
    "scenario_name": ("シナリオ名", "Scenario name"),
    "save": ("保存", "Save"),
    "load": ("読み込み", "Load"),
    "rename": ("名前を変更", "Rename"),
    "duplicate": ("複製", "Duplicate"),
    "delete": ("削除", "Delete"),
    "new_name": ("新しい名前", "New name"),
    "saved": ("保存しました: {name}", "Saved: {name}"),
    "loaded": ("読み込みました: {name}", "Loaded: {name}"),
    "renamed": ("名前を変更しました: {name}", "Renamed to: {name}"),
    "duplicated": ("複製しました: {name}", "Duplicated as: {name}"),
    "deleted": ("削除しました: {name}", "Deleted: {name}"),
    "broken_files": ("読めないファイル（そのまま残しています）", "Unreadable files (left untouched)"),
    "upload": ("ファイルを取り込む", "Upload a file"),
    "upload_too_big": ("ファイルが大きすぎます（上限 {mb} MB）。", "File too large (limit {mb} MB)."),
    # outreach / partnership / report
    "plan_routes": ("ルートを作成", "Plan routes"),
    "calendar": ("月間カレンダー", "Monthly calendar"),
    "groups": ("グループ", "Groups"),
    "outreach_base": ("出発拠点", "Base"),
    "outreach_service": ("滞在時間（分）", "Time on site (min)"),
    "outreach_teams": ("同日に動ける班", "Teams per day"),
    "outreach_frequency": ("訪問頻度", "Visits per month"),
    "freq_1": ("月1回", "once a month"),
    "freq_2": ("月2回", "twice a month"),
    "freq_cases": (
        "想定相談件数から（人口千人あたり年1.5件、1回4件）",
        "from expected cases (1.5 per 1,000 residents a year, 4 per visit)",
    ),
    "outreach_day": ("勤務時間（移動を含む）", "Working day (incl. driving)"),
    "outreach_month": ("日程を組む月（YYYY-MM）", "Month to schedule (YYYY-MM)"),
    "outreach_stops_rule": (
        "訪問先: 福祉事務所のない町村の候補地（役場の代替点）。",
        "Stops: candidate sites (town-hall stand-ins) of the towns and villages without a welfare office.",
    ),
    "outreach_running": ("巡回ルートを計算しています…", "Planning routes…"),
    "outreach_none": (
        "まだルートがありません。条件を選んで「ルートを作成」を押してください。",
        "No routes yet: choose the settings and press “Plan routes”.",
    ),
    "outreach_basis": (
        "出発: {base}　／　所要時間: {method}　／　頻度: {freq}　／　勤務時間: {day}　／　滞在 {svc} 分",
        "Base: {base} / travel time: {method} / frequency: {freq} / day: {day} / {svc} min on site",
    ),
    "outreach_unserved": (
        "日帰りで回れない・到達できない訪問先（理由つき）:",
        "Stops that cannot be served in a day or reached (with reason):",
    ),
    "routes": ("ルート", "Routes"),
    "route": ("ルート", "Route"),
    "per_month": ("月あたり回数", "Per month"),
    "leave_return": ("出発–帰着", "Leave–return"),
    "stops": ("訪問順（到着–出発）", "Stops (arrive–leave)"),
    "drive": ("運転時間", "Driving"),
    "dates": ("日程", "Dates"),
    "reason": ("理由", "Reason"),
    "routes_straight": (
        "地図の線は訪問順を直線で結んだものです（実際の道路の経路ではありません）。",
        "Lines join the stops in visiting order (straight lines, not the road path).",
    ),
    "n_groups": ("グループ数", "Number of groups"),
    "min_pop": ("各グループの最低人口", "Minimum population per group"),
    "annual_cost": ("グループごとの年間費用（円）", "Annual cost per group (yen)"),
    "cost_rule": ("分担ルール", "Cost-share rule"),
    "make_groups": ("グループを作成", "Make groups"),
    "partnership_running": ("グループ分けを計算しています…", "Forming groups…"),
    "partnership_none": (
        "まだグループがありません。条件を選んで「グループを作成」を押してください。",
        "No groups yet: choose the settings and press “Make groups”.",
    ),
    "partnership_basis": (
        "隣接: {adj}　／　会場: {host}　／　所要時間: {method}",
        "Neighbours: {adj} / host: {host} / travel time: {method}",
    ),
    "island_linked": (
        "隣接のない {a} を最短時間の {b} につないでいます。",
        "{a} has no neighbour and is joined to the nearest in time, {b}.",
    ),
    "group": ("グループ", "Group"),
    "members": ("構成市町村", "Members"),
    "host": ("会場（拠点）", "Host site"),
    "check": ("確認", "Check"),
    "share": ("割合", "Share"),
    "amount": ("分担額", "Amount"),
    "per_group": ("1グループあたり", "per group"),
    "cost_share": ("費用分担", "Cost share"),
    "build_report": ("レポートを作成", "Build report"),
    "download": ("ダウンロード", "Download"),
    "report_format": ("形式", "Format"),
    "report_building": ("レポートを作成しています…", "Building the report…"),
    "report_ready": ("レポートができました: {name}（{kb} KB）", "Report ready: {name} ({kb} KB)"),
    # display-time labels made from stored codes (the app shows these, never the raw code)
    "home": ("ホーム", "Home"),
    "none": ("なし", "none"),
    "ok": ("問題なし", "OK"),
    "within_min": ("{t}分以内", "within {t} min"),
    "residents_within": ("{t}分以内の住民", "residents within {t} min"),
    "n_points": ("{n} 地点", "{n} places"),
    "route_n": ("ルート{n}", "Route {n}"),
    "route_legend": ("ルート{n}（月{f}回）", "Route {n} ({f}× a month)"),
    "calendar_of": ("月間カレンダー（{month}）", "Monthly calendar ({month})"),
    "cal_closed": ("{d}日 休", "{d} closed"),
    "cal_day": ("{d}日", "{d}"),
    "wd_0": ("月", "Mon"),
    "wd_1": ("火", "Tue"),
    "wd_2": ("水", "Wed"),
    "wd_3": ("木", "Thu"),
    "wd_4": ("金", "Fri"),
    "freq_fixed": ("月{f}回", "{f}× a month"),
    "freq_cases_rule": (
        "想定相談件数から（人口千人あたり年{rate}件、1回{per}件、月1〜4回）",
        "from expected cases ({rate} per 1,000 residents a year, {per} per visit, 1–4 a month)",
    ),
    "reason_unreachable": ("道路で到達不可", "not reachable by road"),
    "reason_too_far": ("日帰り不可", "too far for a day trip"),
    "rule_equal": ("均等割", "equal"),
    "rule_population": ("人口割", "by population"),
    "rule_use": ("利用割", "by use"),
    "rule_part": ("{name} {pct}%", "{pct}% {name}"),
    "adjacency_contiguity": ("市町村の境界が接する（{gap} m 以内）", "municipal boundaries touch (within {gap} m)"),
    "adjacency_travel_time": ("{max} 分以内で行き来できる市町村", "municipalities within {max} min of each other"),
    "host_rule_group_1median": (
        "グループ内の候補地のうち人口加重平均時間が最小",
        "the group's candidate site with the least population-weighted mean time",
    ),
    "group_host": ("グループ{g}（会場: {host}）", "Group {g} (host: {host})"),
    "flag_not_contiguous": ("飛び地", "not contiguous"),
    "flag_below_min": ("最低人口未満", "below minimum"),
    "col_name": ("名称", "Name"),
    "col_title": ("名称", "Title"),
    "col_date": ("日付", "Date"),
    "col_licence": ("ライセンス", "Licence"),
    "col_credit": ("出典表記", "Credit"),
    "col_source": ("データ", "Data"),
    "col_lat": ("緯度", "Latitude"),
    "col_lon": ("経度", "Longitude"),
    "col_origin": ("由来", "Origin"),
    "col_existing": ("既存", "Existing"),
    "col_updated": ("更新", "Updated"),
    "col_municipality": ("市町村", "Municipality"),
    "col_town": ("大字・町丁目", "District"),
    "col_koaza": ("小字", "Sub-district"),
    "col_point": ("地点番号", "Point no."),
    "col_code": ("市町村コード", "Municipality code"),
    "col_address": ("住所", "Address"),
    "col_match": ("住所の照合", "Address match"),
    "col_inside": ("地域内", "Inside the region"),
    "col_id": ("ID", "ID"),
    "hub_source_existing": ("既存", "existing"),
    "hub_source_model": ("モデル", "model"),
    "hub_source_manual": ("手動", "by hand"),
    "match_座標": ("座標", "coordinates"),
    "match_大字": ("大字", "district"),
    "match_市町村": ("市町村", "municipality"),
    "match_一致なし": ("一致なし", "no match"),
    "manual_hub_name": ("手動拠点{k}（{where}）", "Hand-placed hub {k} ({where})"),
    "manual_hub_name_bare": ("手動拠点{k}", "Hand-placed hub {k}"),
    "moved_hub_name": ("移動した拠点（{where}）", "Moved hub ({where})"),
    "new_scenario_name": ("新しいシナリオ", "New scenario"),
    "copy_of": ("{name} のコピー", "Copy of {name}"),
    "source_boundaries": ("市町村境界", "Municipal boundaries"),
    "source_population": ("人口", "Population"),
    "source_settlements": ("大字・町丁目の代表点", "District (ōaza / chōchōme) points"),
    "source_roads": ("道路", "Roads"),
    "source_welfare_offices": ("福祉事務所", "Welfare offices"),
    "source_sites": ("候補地", "Candidate sites"),
    "kinds_count": ("市 {c}・町 {t}・村 {v}", "{c} cities, {t} towns, {v} villages"),
    "pop_without_office": ("福祉事務所のない町村の人口", "Population of towns/villages without a welfare office"),
    "excl_excluded": ("除外: {x}", "excluded: {x}"),
    "excl_pop_unknown": ("人口不明: {x}", "population unknown: {x}"),
    "excl_fallback": ("大字データなし（代替点）: {x}", "no settlement file (fallback point): {x}"),
    "excl_no_coords": (
        "座標のない大字・町丁目: {n} 件（需要点から除外）",
        "district points without coordinates: {n} (not used as demand points)",
    ),
    "excl_outside": (
        "自市町村の境界外にある大字代表点: {n} 件（簡略化境界のため。需要点として使用）",
        "district points just outside their own municipality: {n} (simplified boundaries; kept)",
    ),
    "pref_has_data": ("{name}（データあり）", "{name} (data found)"),
    "fmt_pdf": ("PDF（印刷・議会資料）", "PDF (print)"),
    "fmt_html": ("HTML（地図つき・ブラウザで開く）", "HTML (with map)"),
    "fmt_xlsx": ("Excel（表）", "Excel (tables)"),
    "fmt_gpkg": ("GeoPackage（GIS 用レイヤー）", "GeoPackage (GIS layers)"),
    "solver_optimal": ("最適", "optimal"),
    "solver_not_solved": ("未解決", "not solved"),
    "solver_infeasible": ("実行不能", "infeasible"),
    "solver_unbounded": ("非有界", "unbounded"),
    "solver_undefined": ("不定", "undefined"),
    "note_solver_status": ("ソルバーの終了状態: {status}", "solver status: {status}"),
    "note_solver_status_limit": (
        "ソルバーの終了状態: {status}（時間上限 {s} 秒）",
        "solver status: {status} (time limit {s} s)",
    ),
    "note_proven_optimal": (
        "最適性を確認済み: より短い時間ではすべての住民を覆えないことを厳密に確認しました",
        "proven optimal: every shorter time was shown infeasible (exact cover check)",
    ),
    "paren": ("（{s}）", " ({s})"),
    "list_sep": ("、", ", "),
    "stop_times": ("{name}（{a}–{d}）", "{name} ({a}–{d})"),
    "cost_share_head": ("{title}（{per} {total}、{rule}）", "{title} ({per} {total}; {rule})"),
    "upload_choose": ("ファイルを選ぶ", "Choose a file"),
    "upload_hint": (
        "ファイルをここにドラッグするか「ファイルを選ぶ」を押してください（{types}、上限 {mb} MB）。",
        "Drag a file here or press “Choose a file” ({types}; limit {mb} MB).",
    ),
    # login (madoguchi/app/auth.py; the app serves other machines only with a login)
    "login_title": ("ログイン", "Log in"),
    "login_user": ("利用者名", "User name"),
    "login_password": ("パスワード", "Password"),
    "login_button": ("ログイン", "Log in"),
    "login_failed": ("利用者名またはパスワードが違います。", "Wrong user name or password."),
    "login_as": ("ログイン中: {name}", "Logged in as {name}"),
    "logout": ("ログアウト", "Log out"),
    "logged_out": ("ログアウトしました。", "You are logged out."),
    "login_no_users": (
        "このアプリは他のコンピュータから接続できる設定ですが、利用者が登録されていないため表示できません。"
        "管理者は `madoguchi app users add 名前` で利用者を登録してください。",
        "This app accepts connections from other machines, which needs a login, but no user is "
        "registered, so nothing is shown. An administrator adds users with `madoguchi app users add NAME`.",
    ),
    "upload_quota_note": (
        "この地域の取り込みファイルは合計 {mb} MB まで保存され、超えると古いものから削除されます。",
        "Uploads of this region are kept up to {mb} MB in total; beyond that the oldest are removed.",
    ),
    # ---- surfaces: outreach from every hub, presentation view, national comparison (one block) ----
    "outreach_hubs": (
        "出発する拠点（拠点ごとに班と日程を組みます）",
        "Hubs to plan from (each hub its own teams and calendar)",
    ),
    "outreach_hubs_help": (
        "シナリオの拠点すべてが選ばれています。各訪問先は最も適した拠点から回ります。",
        "Every hub of the scenario is selected; each stop is visited from the hub that serves it best.",
    ),
    "outreach_no_hubs": (
        "シナリオに拠点がないため、出発拠点を1つ選んでください（拠点配置ページで拠点を置くと、すべての拠点から計画できます）。",
        "The scenario has no hubs: choose one base (place hubs on the placement page to plan from every hub).",
    ),
    "outreach_pick_hub": ("出発する拠点を1つ以上選んでください。", "Choose at least one hub to plan from."),
    "outreach_blocks": ("ブロック数 K（0 = 分けない）", "Blocks K (0 = no split)"),
    "outreach_blocks_help": (
        "訪問先を K ブロックに分け、ブロックごとに中心の訪問先を拠点として日程を組みます（複数拠点では各拠点の担当区域の中で分けます）。",
        "Split the stops into K blocks, each with its central stop as base (with several hubs, within each hub's area).",
    ),
    "outreach_teams_hub": ("同日に動ける班（拠点ごと）", "Teams per day (per hub)"),
    "outreach_at_hubs": ("拠点のある町（巡回不要）: {names}", "Towns with a hub (no trip needed): {names}"),
    "outreach_hub_col": ("拠点", "Hub"),
    "outreach_hub_summary": ("拠点ごとの集計", "Per hub"),
    "outreach_n_routes": ("ルート数", "Routes"),
    "outreach_n_stops": ("訪問先数", "Stops"),
    "outreach_route_days": ("月あたり出張日数", "Trip days a month"),
    "outreach_drive_month": ("月あたり運転時間", "Driving a month"),
    "outreach_block_col": ("ブロック", "Block"),
    "outreach_block_n": ("ブロック{n}", "Block {n}"),
    "outreach_block_base": ("ブロック{n}（拠点: {base}）", "Block {n} (base: {base})"),
    "outreach_block_area": ("{hub} の担当区域", "area of {hub}"),
    "outreach_block_only_base": (
        "ブロック{n}: 拠点の訪問先だけのブロックです（巡回不要）。",
        "Block {n}: only its base stop (no trip needed).",
    ),
    "outreach_unassigned": ("どのブロックからも到達できない訪問先: {names}", "Stops no block can reach: {names}"),
    "outreach_calendar_hub": ("月間カレンダー（{month}、{hub}）", "Monthly calendar ({month}, {hub})"),
    "outreach_legend_hub": ("出張相談ルート（{hub}）", "Itinerant routes ({hub})"),
    "outreach_total": (
        "合計: ルート {n} 本、1巡の運転 {drive}、最長のルート {longest}",
        "Total: {n} routes, {drive} driving per round, longest route {longest}",
    ),
    "computing_isochrones": ("到達圏を計算しています…", "Computing reach areas…"),
    "page_presentation": ("発表用表示", "Presentation"),
    "page_presentation_desc": (
        "会議室向けの1画面表示：大きな地図と主な数字、印刷はA4横。",
        "One screen for the council room: a large map and the key figures; prints on A4 landscape.",
    ),
    "presentation_desc": (
        "会議室のプロジェクター・印刷向けの1画面表示です（印刷は A4 横）。",
        "One screen for a council room projector or print (A4 landscape).",
    ),
    "presentation_region": ("{pref}　拠点 {n} か所", "{pref}: {n} hubs"),
    "presentation_no_hubs": (
        "拠点がまだありません。拠点配置ページで拠点を置くと、ここに地図と主な数字を表示します。",
        "No hubs yet: place hubs on the placement page to show the map and key figures here.",
    ),
    "presentation_threshold": ("表示する時間", "Time shown"),
    "presentation_within": ("{t}分以内に住む人", "Residents within {t} min"),
    "presentation_mean": ("平均所要時間", "Mean travel time"),
    "presentation_worst": ("最も遠い人の所要時間", "Longest travel time"),
    "presentation_unreachable": ("道路で到達できない人", "Not reachable by road"),
    "presentation_scope": ("対象: {scope}（{pop}）", "Residents counted: {scope} ({pop})"),
    "presentation_print": (
        "印刷するにはブラウザの印刷（Ctrl+P / ⌘P）を使ってください。",
        "To print, use the browser's print (Ctrl+P / ⌘P).",
    ),
    "presentation_back": ("通常の表示に戻る", "Back to the normal view"),
    "presentation_download": (
        "発表用ページを保存（HTML・オフラインで表示・印刷可）",
        "Save the presentation page (HTML; works offline, prints)",
    ),
    "page_national": ("全国比較", "National comparison"),
    "page_national_desc": (
        "47都道府県を同じ方法で比べた表と全国地図。",
        "All 47 prefectures compared the same way: a table and a map of Japan.",
    ),
    "national_desc": (
        "47都道府県について、福祉事務所のない町村の住民が何分で相談できるかを同じ方法で比べます。",
        "The same question for all 47 prefectures: how far residents of towns and villages without a welfare office are from a desk.",
    ),
    "national_missing": ("まだ結果のない都道府県: {n}（{names}）", "Prefectures without results yet: {n} ({names})"),
    "national_run": ("結果のない都道府県を計算", "Compute the missing prefectures"),
    "national_running": ("全国比較を計算しています（{done}/{n}）…", "Computing the national comparison ({done}/{n})…"),
    "national_none": (
        "全国比較の結果がまだありません。「結果のない都道府県を計算」を押してください。",
        "No national results yet: press “Compute the missing prefectures”.",
    ),
    "national_color_by": ("地図の色分け", "Map colours"),
    "national_current": ("現在の都道府県: {pref}", "Current prefecture: {pref}"),
    "national_unavailable": (
        "全国比較の機能がまだ入っていません。Madoguchi を更新してください。",
        "The national comparison is not installed yet: update Madoguchi.",
    ),
    "national_scope": ("比べる都道府県", "Prefectures to compare"),
    "national_scope_all": ("全国（47都道府県）", "All 47 prefectures"),
    "national_scope_pick": ("選んだ都道府県", "Chosen prefectures"),
    "national_pick": ("都道府県を選ぶ", "Choose prefectures"),
    "national_done": (
        "{n} 都道府県を計算しました（{s} 秒、キャッシュ済み {c}）。",
        "Computed {n} prefectures ({s} s; {c} from the cache).",
    ),
    "national_basis": (
        "対象: 福祉事務所を設置していない町村の人口。所要時間: {method}。結果は都道府県ごとに保存され、次回はすぐ表示されます。",
        "Counted: residents of towns and villages without a welfare office. Travel time: {method}. Results are kept per prefecture and shown at once next time.",
    ),
    "national_table": ("都道府県別の比較", "Comparison by prefecture"),
    "nat_pref": ("都道府県", "Prefecture"),
    "nat_municipalities": ("市区町村", "Municipalities"),
    "nat_population_total": ("人口", "Population"),
    "nat_towns": ("福祉事務所のない町村", "Towns/villages without an office"),
    "nat_towns_population": ("その人口", "Their population"),
    "nat_towns_share": ("人口に占める割合", "Share of population"),
    "nat_baseline_30": ("市まで30分以内", "Within 30 min of a city"),
    "nat_baseline_60": ("市まで60分以内", "Within 60 min of a city"),
    "nat_lscp": ("必要拠点数 {t}分", "Hubs needed, {t} min"),
    "nat_pmedian_mean": ("拠点{p}か所の平均", "Mean with {p} hubs"),
    "nat_pmedian_max": ("拠点{p}か所の最大", "Longest with {p} hubs"),
    "nat_unreachable": ("どの候補地からも到達不能", "Not reachable from any site"),
    "nat_method": ("所要時間の方法", "Travel-time method"),
    "nat_total": ("全国", "Japan"),
    "nat_current_mark": ("▶ {pref}", "▶ {pref}"),
    "region_pick_all": ("都道府県（地域データ）", "Prefecture (region data)"),
    "region_unbuilt_label": ("{pref}（未作成・選ぶと作成できます）", "{pref} (not built yet: choose to build)"),
    "region_nodata_label": ("{pref}（データなし）", "{pref} (no data)"),
    "region_build_missing": ("{pref} の地域データを作成", "Build the region for {pref}"),
    "region_building_pref": ("{pref} の地域データを作成しています…", "Building the region for {pref}…"),
    "region_not_built": ("{pref} の地域データはまだありません。", "{pref} has no region data yet."),
}


def t(key: str, lang: str = DEFAULT_LANG, **kwargs) -> str:
    """The string for `key` in `lang` ('ja' default); unknown keys return the key itself (visible, not a crash)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    s = pair[1] if lang == "en" else pair[0]
    return s.format(**kwargs) if kwargs else s


def _is_missing(x) -> bool:
    try:
        # NaN-like values (float, numpy, pandas NA) are the ones not equal to themselves
        return x is None or (isinstance(x, float) and math.isnan(x)) or bool(x != x)  # noqa: PLR0124
    except (TypeError, ValueError):
        return False


def fmt_int(x, lang: str = DEFAULT_LANG) -> str:
    """12345.6 -> '12,346'; missing -> '不明'."""
    if _is_missing(x):
        return t("unknown", lang)
    return f"{round(float(x)):,}"


def fmt_people(x, lang: str = DEFAULT_LANG) -> str:
    """Population: 12345 -> '12,345人' (en: '12,345 people'); NaN -> '不明'."""
    if _is_missing(x):
        return t("unknown", lang)
    return f"{round(float(x)):,}人" if lang != "en" else f"{round(float(x)):,} people"


def fmt_minutes(x, lang: str = DEFAULT_LANG, *, estimate: bool = False, digits: int = 1) -> str:
    """Minutes: 23.44 -> '23.4分' ('23.4分（推定）' if estimate); inf -> '到達不能'; NaN -> '不明'."""
    if _is_missing(x):
        return t("unknown", lang)
    x = float(x)
    if math.isinf(x):
        return t("unreachable", lang)
    s = f"{x:,.{digits}f}分" if lang != "en" else f"{x:,.{digits}f} min"
    if estimate:
        s += "（推定）" if lang != "en" else " (estimate)"
    return s


def fmt_km(x, lang: str = DEFAULT_LANG, *, digits: int = 1) -> str:
    """Kilometres: 1234.56 -> '1,234.6 km'; NaN -> '不明'."""
    if _is_missing(x):
        return t("unknown", lang)
    return f"{float(x):,.{digits}f} km"


def fmt_yen(x, lang: str = DEFAULT_LANG) -> str:
    """Yen: 1234567 -> '1,234,567円' (en: '¥1,234,567'); NaN -> '不明'."""
    if _is_missing(x):
        return t("unknown", lang)
    return f"{round(float(x)):,}円" if lang != "en" else f"¥{round(float(x)):,}"


def fmt_pct(x, lang: str = DEFAULT_LANG, *, digits: int = 1) -> str:
    """Share 0..1 -> '87.5%'; NaN -> '不明'."""
    if _is_missing(x):
        return t("unknown", lang)
    return f"{100.0 * float(x):.{digits}f}%"


METHOD_KEYS = {0: "method_road", 1: "method_estimate", 2: "method_link"}


def method_label(methods, lang: str = DEFAULT_LANG) -> str:
    """Label for a set/array of travel-time method codes: one kind -> its name, several -> '混在 (...)'."""
    try:
        codes = sorted({int(m) for m in methods})
    except TypeError:
        codes = [int(methods)]
    if not codes:
        return t("unknown", lang)
    if len(codes) == 1:
        return t(METHOD_KEYS.get(codes[0], "unknown"), lang)
    parts = "・".join(t(METHOD_KEYS.get(c, "unknown"), lang).split("（")[0].split(" (")[0] for c in codes)
    return f"{t('method_mixed', lang)}（{parts}）" if lang != "en" else f"{t('method_mixed', lang)} ({parts})"


METHOD_NAME_KEYS = {
    "road": "method_road",
    "estimate": "method_estimate",
    "link": "method_link",
    "mixed": "method_mixed",
}


def method_name_label(name: str, lang: str = DEFAULT_LANG, *, short: bool = False) -> str:
    """'road' | 'estimate' | 'link' | 'mixed' | 'unknown' (as models/CLI report it) -> the label shown.

    ``short=True`` drops the bracketed explanation ('推定' instead of '推定（直線距離×迂回率÷速度）'),
    as tables and report headlines show it."""
    key = METHOD_NAME_KEYS.get(str(name)) or ("unknown" if str(name) == "unknown" else None)
    if not key:
        return str(name)
    s = t(key, lang)
    return s.split("（")[0].split(" (")[0] if short else s


def bilingual(text: str, lang: str = DEFAULT_LANG) -> str:
    """Pick one side of an 'English / 日本語' rule text written by the CLI for both audiences."""
    parts = str(text).split(" / ")
    if len(parts) == 2:
        return parts[0] if lang == "en" else parts[1]
    return str(text)


KIND_LABEL = {"市": "kind_city", "町": "kind_town", "村": "kind_village"}


def kind_label(kind: str, lang: str = DEFAULT_LANG) -> str:
    """'市' -> '市' (ja) / 'city' (en)."""
    return t(KIND_LABEL[kind], lang) if kind in KIND_LABEL else str(kind)


def fmt_threshold(x, lang: str = DEFAULT_LANG) -> str:
    """A threshold choice in minutes: 30.0 -> '30分' (en: '30 min')."""
    return f"{float(x):g}分" if lang != "en" else f"{float(x):g} min"


JST = "Asia/Tokyo"
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def fmt_datetime(iso, lang: str = DEFAULT_LANG) -> str:
    """A stored ISO time (UTC, e.g. '2026-11-23T15:15:35+00:00') as a person writes it in Japan time:
    '2026年11月23日 00:15' (en: '23 Nov 2026 00:15 JST'). A time without zone is taken as UTC;
    empty -> ''; text that is not a time is returned unchanged."""
    import datetime as _dt
    from zoneinfo import ZoneInfo

    if _is_missing(iso) or not str(iso).strip():
        return ""
    try:
        d = _dt.datetime.fromisoformat(str(iso).strip())
    except ValueError:
        return str(iso)
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.UTC)
    j = d.astimezone(ZoneInfo(JST))
    if lang == "en":
        return f"{j.day} {_MONTHS_EN[j.month - 1]} {j.year} {j:%H:%M} JST"
    return f"{j.year}年{j.month}月{j.day}日 {j:%H:%M}"


def fmt_month(month: str, lang: str = DEFAULT_LANG) -> str:
    """'2026-12' -> '2026年12月' (en: 'December 2026'); anything else unchanged."""
    import calendar as _cal

    try:
        y, m = (int(x) for x in str(month).split("-"))
        if not 1 <= m <= 12:
            raise ValueError
    except ValueError:
        return str(month)
    return f"{y}年{m}月" if lang != "en" else f"{_cal.month_name[m]} {y}"


def code_label(prefix: str, code, lang: str = DEFAULT_LANG) -> str:
    """Label of a stored code under `prefix_` (e.g. hub source 'manual' -> '手動' / 'by hand');
    an unknown code is shown as it is (visible, not a crash)."""
    key = f"{prefix}_{code}"
    return t(key, lang) if key in STRINGS else str(code)


def hub_source_label(source: str, lang: str = DEFAULT_LANG) -> str:
    """A hub's `source` ('existing' | 'model' | 'manual') as shown."""
    return code_label("hub_source", source, lang)


def source_key_label(key: str, lang: str = DEFAULT_LANG) -> str:
    """A manifest source key ('boundaries', 'population', 'settlements', …) as shown."""
    return code_label("source", key, lang)


REASON_KEYS = {
    "道路で到達不可": "reason_unreachable",
    "unreachable_by_road": "reason_unreachable",
    "日帰り不可": "reason_too_far",
    "not_a_day_trip": "reason_too_far",
}


def reason_label(reason: str, lang: str = DEFAULT_LANG) -> str:
    """Why an outreach stop is not served (models.outreach's UNREACHABLE / TOO_FAR) as shown."""
    key = REASON_KEYS.get(str(reason))
    return t(key, lang) if key else str(reason)


def cost_rule_label(rule, lang: str = DEFAULT_LANG) -> str:
    """A cost-share rule as weights ({'equal': 0.1, 'population': 0.9}) or its code
    ('equal:0.1,population:0.9') -> '均等割 10%＋人口割 90%' (en: '10% equal + 90% by population')."""
    if isinstance(rule, str):
        parts = {}
        for item in rule.split(","):
            name, _, w = item.partition(":")
            parts[name.strip()] = float(w) if w else 1.0
        rule = parts
    items = [
        t("rule_part", lang, name=code_label("rule", k, lang), pct=f"{100.0 * float(v):g}")
        for k, v in dict(rule).items()
    ]
    return "＋".join(items) if lang != "en" else " + ".join(items)


def paren(s: str, lang: str = DEFAULT_LANG) -> str:
    """Text in brackets as each language writes them: '（…）' / ' (…)'."""
    return t("paren", lang, s=s)


def join_list(items, lang: str = DEFAULT_LANG) -> str:
    """Items joined as each language lists them: 'A、B' / 'A, B'."""
    return t("list_sep", lang).join(str(x) for x in items)


def frequency_label(rule, lang: str = DEFAULT_LANG) -> str:
    """An outreach visit-frequency rule as stored ({'kind': 'fixed', 'per_month': 2} or
    {'kind': 'cases', 'case_rate', 'cases_per_visit'}) -> '月2回' / '2× a month', etc."""
    if isinstance(rule, dict):
        if rule.get("kind") == "cases":
            return t(
                "freq_cases_rule",
                lang,
                rate=f"{float(rule.get('case_rate', 1.5)):g}",
                per=f"{float(rule.get('cases_per_visit', 4)):g}",
            )
        if rule.get("kind") == "fixed" or rule.get("per_month") is not None:
            return t("freq_fixed", lang, f=rule.get("per_month"))
        return ""
    if str(rule).isdigit():
        return t("freq_fixed", lang, f=rule)
    return str(rule or "")


def adjacency_label(rule, lang: str = DEFAULT_LANG) -> str:
    """A partnership neighbour rule as stored ({'kind': 'contiguity', 'gap_m'} or
    {'kind': 'travel_time', 'max_min'}) -> words; older text 'English / 日本語' -> one side."""
    if isinstance(rule, dict):
        if rule.get("kind") == "travel_time":
            return t("adjacency_travel_time", lang, max=f"{float(rule.get('max_min', 0)):g}")
        return t("adjacency_contiguity", lang, gap=f"{float(rule.get('gap_m') or 200):g}")  # contiguity
    return bilingual(str(rule or ""), lang)


def host_rule_label(code, lang: str = DEFAULT_LANG) -> str:
    """A partnership host rule code ('group_1median') -> words; older text -> one side."""
    key = f"host_rule_{code}"
    return t(key, lang) if key in STRINGS else bilingual(str(code or ""), lang)


def pref_name(code: str, lang: str = DEFAULT_LANG, fallback: str = "") -> str:
    """A prefecture's name from its 2-digit code: '08' -> '茨城県' (en: 'Ibaraki');
    `fallback` (or the code) when the code is unknown."""
    from geo.prefectures import PREFECTURES

    pair = PREFECTURES.get(str(code))
    if pair is None:
        return fallback or str(code)
    return str(pair[1]).capitalize() if lang == "en" else str(pair[0])


def localized(d, lang: str = DEFAULT_LANG, default: str = "") -> str:
    """One side of a {'ja': …, 'en': …} text stored by the region build (manifest rules, warnings);
    a plain string is returned as it is."""
    if isinstance(d, dict):
        return str(d.get("en" if lang == "en" else "ja") or default)
    return str(d) if d is not None else default


# ----------------------------------------------------------------------------- labels of stored codes
# (folded in from the former madoguchi/labels.py: the CLI, the app and the reports all use these)
SCOPE_KEYS = {"without_welfare_office": "scope_without", "all": "scope_all"}


def fmt_num(x, nd: int = 1) -> str:
    """Thousands-separated number with `nd` decimals: 12345.67 -> '12,345.7'.

    '—' for None, NaN or inf (never a made-up value); text that is not a number is returned as it is.
    The same in both languages."""
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "—" if not math.isfinite(v) else f"{v:,.{nd}f}"


def scope_label(code: str, lang: str = DEFAULT_LANG) -> str:
    """Demand scope code ('without_welfare_office' | 'all') -> who is counted, in words."""
    key = SCOPE_KEYS.get(str(code))
    return t(key, lang) if key else str(code)


def method_codes_label(codes, lang: str = DEFAULT_LANG) -> str:
    """Per-pair method codes (0 road, 1 estimate, 2 link) -> short label: '道路' when all road,
    '推定' when all estimate, '混在' otherwise, '—' when there are none."""
    import numpy as np

    m = np.asarray(codes).ravel()
    if m.size == 0:
        return "—"
    u = set(np.unique(m).tolist())
    name = "road" if u == {0} else "estimate" if u == {1} else "mixed"
    return method_name_label(name, lang, short=True)


def method_code_label(code: int, lang: str = DEFAULT_LANG) -> str:
    """One method code (0 road, 1 estimate, 2 link) -> short label."""
    key = METHOD_KEYS.get(int(code))
    return t(key, lang).split("（")[0].split(" (")[0] if key else str(code)


def note_label(code: str, lang: str = DEFAULT_LANG) -> str:
    """An outreach block note code ('base_only') -> words."""
    return code_label("note", code, lang)


def second_desk_label(code: str | None, lang: str = DEFAULT_LANG) -> str:
    """The placement rule for a second desk ('outside_own_municipality') -> words."""
    return code_label("second_desk", code, lang) if code else ""


def share_rule_label(rule: dict | None, lang: str = DEFAULT_LANG) -> dict:
    """Cost-share weights {'equal': 0.1, 'population': 0.9} -> {'均等割': 0.1, '人口割': 0.9}
    (en: {'equal': 0.1, 'by population': 0.9}); see cost_rule_label for one line of text."""
    return {code_label("rule", k, lang): v for k, v in (rule or {}).items()}


def fmt_date(iso, lang: str = DEFAULT_LANG) -> str:
    """A date as a person writes it: '2026-11-24' -> '2026年11月24日' (en: '24 Nov 2026').

    A full ISO time is first put in Japan time (JST); text that is not a date is returned as it is."""
    import datetime as _dt

    if _is_missing(iso) or not str(iso).strip():
        return ""
    s = str(iso).strip()
    try:
        if len(s) > 10:
            d = _dt.datetime.fromisoformat(s)
            if d.tzinfo is None:
                d = d.replace(tzinfo=_dt.UTC)
            from zoneinfo import ZoneInfo

            day = d.astimezone(ZoneInfo(JST)).date()
        else:
            day = _dt.date.fromisoformat(s)
    except ValueError:
        return s
    if lang == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def today_jst() -> str:
    """Today's date in Japan (JST) as ISO 'YYYY-MM-DD' (a report made at 08:00 JST is dated that day)."""
    import datetime as _dt
    from zoneinfo import ZoneInfo

    return _dt.datetime.now(ZoneInfo(JST)).date().isoformat()


def weekday_label(iso_day: str, lang: str = DEFAULT_LANG) -> str:
    """'2026-12-01' -> '火' (en: 'Tue'); '' when not a date."""
    import datetime as _dt

    try:
        wd = _dt.date.fromisoformat(str(iso_day)).weekday()
    except ValueError:
        return ""
    return t(f"wd_{wd}", lang) if wd < 5 else t(f"wd_{wd}_weekend", lang)


# English glosses of the official Japanese texts of the public data sources (geo/region.py). The
# English report shows the official Japanese credit with the gloss beside it; titles, publishers and
# licences are shown by their gloss. A text without a gloss (e.g. a user's own file) is shown as it is.
GLOSSES: dict[str, str] = {
    "国土数値情報 行政区域データ（N03）": "National Land Numerical Information, administrative areas (N03)",
    "国土交通省": "Ministry of Land, Infrastructure, Transport and Tourism (MLIT)",
    "国土数値情報利用約款（出典明記で加工・再配布可）": "National Land Numerical Information terms of use (editing and redistribution allowed with the credit)",
    "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成": "Processed from National Land Numerical Information (administrative areas), MLIT",
    "1% に簡略化した版（SmartNews Media Research Institute, github: smartnews-smri/japan-topography）": "version simplified to 1% (SmartNews Media Research Institute, github: smartnews-smri/japan-topography)",
    "令和2年国勢調査 人口速報集計（市区町村別人口）": "2020 Population Census, preliminary counts (population by municipality)",
    "総務省統計局": "Statistics Bureau, Ministry of Internal Affairs and Communications",
    "政府統計の総合窓口（e-Stat）利用規約（出典明記で利用可, CC BY 4.0 互換）": "e-Stat terms of use (use allowed with the credit; compatible with CC BY 4.0)",
    "総務省統計局「令和2年国勢調査 人口速報集計」": "Statistics Bureau of Japan, 2020 Population Census, preliminary counts",
    "Geolonia 住所データ（japanese-addresses, api/ja）": "Geolonia address data (japanese-addresses, api/ja)",
    "株式会社Geolonia / 国土交通省 位置参照情報": "Geolonia Inc. / MLIT location reference information",
    "「Geolonia 住所データ」（株式会社Geolonia）, 「位置参照情報」（国土交通省）": "Geolonia address data (Geolonia Inc.), location reference information (MLIT)",
    "利用者指定の拠点 CSV": "sites CSV given by the user",
}


def gloss(text, lang: str = DEFAULT_LANG) -> str:
    """The English gloss of a known official Japanese source text (en); the text itself otherwise."""
    s = "" if text is None else str(text)
    return GLOSSES.get(s, s) if lang == "en" else s


def credit_text(credit, lang: str = DEFAULT_LANG) -> str:
    """A data source's credit: the official text always, with its English gloss in brackets (en)."""
    s = "" if credit is None else str(credit)
    g = GLOSSES.get(s)
    return f"{s} ({g})" if lang == "en" and g else s


# Words of the reports (PDF, HTML, XLSX, GeoPackage values, static map). Key prefix 'rep_'; table
# headers 'rh_'. Kept in one block so other areas' keys above stay untouched.
STRINGS.update(
    {
        "note_base_only": ("拠点のみのブロック", "block with its base only"),
        "second_desk_outside_own_municipality": (
            "自分の市町村以外で最寄りの窓口",
            "nearest hub outside the demand point's own municipality",
        ),
        "wd_5_weekend": ("土", "Sat"),
        "wd_6_weekend": ("日", "Sun"),
        "reason_no_block_base": (
            "どのブロックの拠点とも道路でつながらない",
            "not connected by road to any block's base",
        ),
        "rep_title": ("相談窓口 カバー率レポート", "Consultation desk coverage report"),
        "rep_subtitle": ("シナリオ「{scenario}」（{region}）", 'Scenario "{scenario}" ({region})'),
        "rep_made_on": ("作成日", "Made on"),
        "rep_meta": (
            "作成日: {date}　地域: {region}　移動時間の算出方法: {method}",
            "Made on: {date} · Region: {region} · Travel-time method: {method}",
        ),
        "rep_footer": ("{title} ／ {subtitle} ／ 作成日 {date}", "{title} / {subtitle} / made on {date}"),
        "rep_page": ("{n} ページ", "page {n}"),
        "rep_none": ("（該当なし）", "(none)"),
        "rep_continued": ("{title}（続き）", "{title} (continued)"),
        "rep_unreachable_cell": ("到達不可", "unreachable"),
        "rep_people": ("{n} 人", "{n} people"),
        "rep_people_share": ("{n} 人（{pct} %）", "{n} people ({pct} %)"),
        "rep_minutes": ("{m} 分", "{m} min"),
        # headline
        "rep_hl_population": ("対象人口", "Population in scope"),
        "rep_hl_hubs": ("拠点数", "Hubs"),
        "rep_hl_within": ("{t}分以内の人口", "Population within {t} min"),
        "rep_hl_unreachable": ("到達不可の人口", "Population unreachable"),
        "rep_hl_mean": ("平均移動時間（人口加重）", "Mean travel time (population-weighted)"),
        "rep_hl_p90": ("人口の90%が到達できる時間", "Time within which 90% of people arrive"),
        "rep_hl_method": ("移動時間の算出方法", "Travel-time method"),
        # warnings
        "rep_warn_unreachable": (
            "到達不可の人口があります: {n} 人（{pts} 地点、{munis}）。どの拠点からも道路・航路でつながらない地域です（一覧は「到達不可」の表）。",
            "Some people cannot reach any hub: {n} people ({pts} points; {munis}). These places are not "
            "connected to any hub by road or ferry (listed in the table “Unreachable”).",
        ),
        "rep_warn_unknown_pop": (
            "人口が不明な地点が {n} あります（カバー率の計算には含めていません）。",
            "{n} points have an unknown population (not counted in the coverage).",
        ),
        "rep_warn_estimate_all": (
            "移動時間はすべて推定値です（道路データのない地点は直線距離 × 迂回率 ÷ 推定速度）。",
            "All travel times are estimates (without road data: straight-line distance × circuity ÷ estimated speed).",
        ),
        "rep_warn_estimate_some": (
            "移動時間は一部推定値です（道路データのない地点は直線距離 × 迂回率 ÷ 推定速度）。",
            "Some travel times are estimates (without road data: straight-line distance × circuity ÷ estimated speed).",
        ),
        # table titles and notes
        "rep_t_municipalities": ("市町村別", "By municipality"),
        "rep_t_unreachable": ("到達不可", "Unreachable"),
        "rep_t_hubs": ("拠点", "Hubs"),
        "rep_t_compare": ("比較", "Comparison"),
        "rep_t_routes": ("出張相談ルート", "Itinerant routes"),
        "rep_t_calendar": ("訪問カレンダー", "Visit calendar"),
        "rep_t_unserved": ("巡回できない訪問先", "Places the routes cannot serve"),
        "rep_t_groups": ("広域連携", "Joint services"),
        "rep_t_cost_shares": ("費用負担", "Cost shares"),
        "rep_note_municipalities": (
            "人口加重。時間は最寄り拠点までの移動時間（分）。% は対象人口に占める割合（到達不可の人口も分母に含む）。"
            "到達不可の地点は時間を仮定せず別に数えています。全項目は XLSX 版にあります。",
            "Population-weighted. Times are minutes to the nearest hub. % is the share of the population in "
            "scope (unreachable people included in the denominator). Unreachable points are counted "
            "separately, with no time assumed. The XLSX version has every column.",
        ),
        "rep_note_unreachable": (
            "どの拠点からも道路・航路でつながらない地点です（時間は仮定していません）。",
            "Points not connected to any hub by road or ferry (no time assumed).",
        ),
        "rep_note_hubs": (
            "最寄りとなる人口 = その拠点が最も近い対象人口。",
            "Nearest for = the population in scope for which this hub is the nearest.",
        ),
        "rep_note_compare": (
            "A = {a}、B = {b}。早く/遅くなる人口は最寄り拠点までの時間が 0.5 分を超えて変わる人口。",
            "A = {a}, B = {b}. Faster/slower = people whose time to the nearest hub changes by more than 0.5 min.",
        ),
        "rep_note_routes": (
            "拠点から日帰りで回る順路（{bits}）。運転・滞在・合計は各ルートの出発行に記載。",
            "Day trips from the base ({bits}). Drive, stay and total are on each route's departure row.",
        ),
        "rep_note_calendar": (
            "{month} の勤務日（土日・祝日を除く）に割り当てた巡回日。",
            "Route days assigned to the working days of {month} (weekends and holidays excluded).",
        ),
        "rep_note_unserved": (
            "日帰りで回れない、または道路でつながらない訪問先（隠さずに記載）。",
            "Places that no day trip can serve or that no road reaches (listed, not hidden).",
        ),
        "rep_note_cost_shares": (
            "負担額は円単位で、合計が総額にちょうど一致するよう端数を最大剰余法で配分。",
            "Amounts are whole yen; remainders are given by the largest-remainder method so they add up to the total exactly.",
        ),
        "rep_bit_day": ("勤務時間 {v}", "working hours {v}"),
        "rep_bit_service": ("滞在 {v} 分/訪問先", "{v} min per visit"),
        "rep_bit_frequency": ("頻度 {v}", "frequency: {v}"),
        "rep_bit_method": ("移動時間 {v}", "travel times: {v}"),
        "rep_groups_intro": ("共同で窓口を運営する市町村のまとまり", "Municipalities that run a desk together"),
        "rep_groups_adjacency": ("隣接: {v}", "neighbours: {v}"),
        "rep_groups_host": ("中心: {v}", "host: {v}"),
        "rep_groups_min_pop": ("最低人口 {v} 人", "minimum population {v}"),
        "rep_groups_islands": ("島の接続: {v}", "islands linked: {v}"),
        "rep_groups_no_site": ("候補地のない市町村: {v}", "municipalities without a site: {v}"),
        "rep_sentence_sep": ("。", ". "),
        "rep_group_name": ("グループ{g}", "Group {g}"),
        "rep_block_name": ("ブロック{b}", "Block {b}"),
        "rep_route_name": ("ルート{k}", "Route {k}"),
        "rep_base": ("拠点", "base"),
        "rep_leave": ("{base}（出発）", "{base} (leave)"),
        "rep_return": ("{base}（帰着）", "{base} (return)"),
        "rep_fixed_existing": ("既存（固定）", "existing (fixed)"),
        "rep_new": ("新規", "new"),
        "rep_straight_note": (
            "訪問先を直線で結んだ表示（実際の道順ではない）",
            "stops joined by straight lines (not the road path)",
        ),
        # table headers
        "rh_code": ("コード", "Code"),
        "rh_municipality": ("市町村", "Municipality"),
        "rh_kind": ("種別", "Kind"),
        "rh_population": ("人口", "Population"),
        "rh_points": ("地点数", "Points"),
        "rh_within_pop": ("{t}分以内 人口", "Within {t} min: people"),
        "rh_within_pct": ("{t}分以内 (%)", "Within {t} min (%)"),
        "rh_mean": ("平均時間 (分)", "Mean time (min)"),
        "rh_p90": ("90%到達 (分)", "90% reach (min)"),
        "rh_max": ("最大時間 (分)", "Longest time (min)"),
        "rh_unreach_pop": ("到達不可 人口", "Unreachable people"),
        "rh_unreach_pts": ("到達不可 地点数", "Unreachable points"),
        "rh_unknown_pts": ("人口不明 地点数", "Unknown-population points"),
        "rh_method": ("算出方法", "Method"),
        "rh_point_id": ("地点ID", "Point ID"),
        "rh_town": ("大字・町丁目", "District"),
        "rh_koaza": ("小字", "Sub-district"),
        "rh_pop_alloc": ("人口（配分）", "Population (allocated)"),
        "rh_lon": ("経度", "Longitude"),
        "rh_lat": ("緯度", "Latitude"),
        "rh_no": ("番号", "No."),
        "rh_hub_name": ("拠点名", "Hub"),
        "rh_class": ("区分", "Status"),
        "rh_origin": ("由来", "Origin"),
        "rh_nearest_pop": ("最寄りとなる人口", "Nearest for: people"),
        "rh_nearest_pts": ("最寄りとなる地点数", "Nearest for: points"),
        "rh_indicator": ("指標", "Indicator"),
        "rh_diff": ("差 (B−A)", "Difference (B−A)"),
        "rh_block": ("ブロック", "Block"),
        "rh_route": ("ルート", "Route"),
        "rh_per_month": ("回/月", "Visits/month"),
        "rh_order": ("順", "Order"),
        "rh_stop": ("訪問先", "Stop"),
        "rh_arrive": ("到着", "Arrive"),
        "rh_depart": ("出発", "Leave"),
        "rh_drive": ("運転 (分)", "Drive (min)"),
        "rh_stay": ("滞在 (分)", "Stay (min)"),
        "rh_total": ("合計 (分)", "Total (min)"),
        "rh_date": ("日付", "Date"),
        "rh_weekday": ("曜日", "Day"),
        "rh_stops": ("訪問先", "Stops"),
        "rh_back": ("帰着", "Return"),
        "rh_reason": ("理由", "Reason"),
        "rh_trip": ("往復+滞在 (分)", "Round trip + stay (min)"),
        "rh_group": ("グループ", "Group"),
        "rh_members": ("構成市町村", "Members"),
        "rh_n_members": ("市町村数", "Municipalities"),
        "rh_host": ("中心", "Host"),
        "rh_contiguous": ("地続き", "Contiguous"),
        "rh_meets_min": ("人口要件", "Meets minimum"),
        "rh_share": ("負担割合 (%)", "Share (%)"),
        "rh_amount": ("負担額 (円)", "Amount (yen)"),
        "rh_total_yen": ("総額 (円)", "Total (yen)"),
        "rh_rule": ("ルール", "Rule"),
        # comparison rows
        "rep_cmp_hubs": ("拠点数", "Hubs"),
        "rep_cmp_population": ("対象人口", "Population in scope"),
        "rep_cmp_within_pop": ("{t}分以内の人口", "Population within {t} min"),
        "rep_cmp_within_pct": ("{t}分以内 (%)", "Within {t} min (%)"),
        "rep_cmp_unreachable": ("到達不可の人口", "Population unreachable"),
        "rep_cmp_mean": ("平均移動時間 (分)", "Mean travel time (min)"),
        "rep_cmp_p90": ("人口の90%が到達 (分)", "90% of people arrive within (min)"),
        "rep_cmp_gain": ("早くなる人口", "People faster"),
        "rep_cmp_loss": ("遅くなる人口", "People slower"),
        "rep_compare_heading": ("シナリオ比較: {a} と {b}", "Scenario comparison: {a} and {b}"),
        # sources and assumptions
        "rep_sources_heading": ("出典と前提", "Sources and assumptions"),
        "rep_sources": ("データ出典", "Data sources"),
        "rep_assumptions": ("前提条件", "Assumptions"),
        "rep_notes": ("メモ", "Notes"),
        "rep_licence": ("ライセンス", "Licence"),
        "rep_credit": ("クレジット", "Credit"),
        "rep_credit_line": ("出典: {v}", "Sources: {v}"),
        "rep_kind_source": ("出典", "Source"),
        "rep_kind_assumption": ("前提", "Assumption"),
        "rep_kind_note": ("メモ", "Note"),
        "rep_col_item": ("項目", "Item"),
        "rep_col_value": ("値", "Value"),
        "rep_col_kind": ("種類", "Type"),
        "rep_col_name": ("名称", "Name"),
        "rep_col_date": ("日付", "Date"),
        "rep_col_licence": ("ライセンス", "Licence"),
        "rep_col_content": ("内容・クレジット", "Content / credit"),
        "rep_sheet_summary": ("概要", "Summary"),
        "rep_item_title": ("タイトル", "Title"),
        "rep_item_scenario": ("シナリオ", "Scenario"),
        "rep_item_region": ("地域", "Region"),
        "rep_item_warning": ("注意", "Warning"),
        "rep_a_method": ("移動時間の算出方法", "Travel-time method"),
        "rep_a_method_v": (
            "{m}（道路 = 道路網上の最短時間、推定 = 直線距離 × 迂回率 ÷ 推定速度、混在 = 両方）",
            "{m} (road = shortest time on the road network; estimate = straight-line distance × circuity ÷ "
            "estimated speed; mixed = both)",
        ),
        "rep_a_roads": ("道路データ", "Road data"),
        "rep_road_osm": ("OpenStreetMap 道路網", "OpenStreetMap road network"),
        "rep_road_lines": ("道路線データ", "road line data"),
        "rep_road_estimate": ("なし（すべて推定）", "none (all estimated)"),
        "rep_a_speeds": ("速度表 (km/h, 道路種別)", "Speeds (km/h, by road class)"),
        "rep_a_speeds_v": (
            "{speeds}、その他 {other}。規制速度のある道路は規制速度 × {f}",
            "{speeds}, other {other}. Roads with a speed limit: limit × {f}",
        ),
        "rep_a_estimate": ("推定の前提", "Estimate assumptions"),
        "rep_a_estimate_v": ("迂回率 {c}、推定速度 {s} km/h", "circuity {c}, estimated speed {s} km/h"),
        "rep_a_snap": ("道路へのスナップ", "Snapping to roads"),
        "rep_a_snap_v": (
            "最寄りの道路まで {m} m 以内の地点は道路まで {s} km/h で移動、それより遠い地点は推定",
            "points within {m} m of a road reach it at {s} km/h; points farther away are estimated",
        ),
        "rep_a_demand": ("需要（人口）の配分", "Demand (population) allocation"),
        "rep_a_scope": ("対象人口", "Population in scope"),
        "rep_a_scope_without": (
            "福祉事務所を設置していない町村の人口（市は各市の福祉事務所が担当）",
            "population of towns and villages without their own welfare office (each city has its own)",
        ),
        "rep_a_scope_all": ("全市町村の人口", "population of all municipalities"),
        "rep_a_thresholds": ("時間の区切り", "Time thresholds"),
        "rep_a_coverage": ("カバー率の定義", "Coverage definition"),
        "rep_a_coverage_v": (
            "しきい値以内の人口 ÷ 対象人口（到達不可の人口も分母に含む）。平均時間は到達できる人口の加重平均",
            "population within the threshold ÷ population in scope (unreachable people included in the "
            "denominator). The mean time is weighted by the population that can reach a hub",
        ),
        "rep_a_unreachable": ("到達不可", "Unreachable"),
        "rep_a_unreachable_v": (
            "どの拠点とも道路・航路でつながらない地点は到達不可として数え、時間を仮定しません",
            "points not connected to any hub by road or ferry are counted as unreachable, with no time assumed",
        ),
        # HTML
        "rep_headline": ("主な数値", "Key figures"),
        "rep_map_interactive": ("地図（操作できます）", "Map (interactive)"),
        "rep_map_print": ("地図（印刷用）", "Map (for print)"),
        "rep_map_alt": ("拠点とカバー状況の地図", "Map of hubs and coverage"),
        "rep_map_note": (
            "背景地図はインターネット接続時のみ表示されます。市町村境界・拠点・集落は常に表示されます。",
            "The background map shows only when online; municipal boundaries, hubs and settlements always show.",
        ),
        "rep_map_failed": ("対話型地図を作成できませんでした ({e})。", "The interactive map could not be made ({e})."),
        # static map legend
        "rep_legend": ("凡例", "Legend"),
        "rep_lg_out_of_scope": ("福祉事務所設置市（対象外）", "City with its own welfare office (out of scope)"),
        "rep_lg_points": ("集落 {c}", "Settlements {c}"),
        "rep_lg_within": ("{t}分以内", "within {t} min"),
        "rep_lg_between": ("{a}〜{b}分", "{a}–{b} min"),
        "rep_lg_beyond": ("{t}分超", "over {t} min"),
        "rep_lg_unreachable": ("到達不可 ({n}地点)", "Unreachable ({n} points)"),
        "rep_lg_groups": ("広域連携グループ", "Joint-service group"),
        "rep_lg_route": ("{name}（直線表示）", "{name} (straight lines)"),
        "rep_lg_fixed": ("既存拠点（固定）", "Existing hub (fixed)"),
        "rep_lg_new": ("新規拠点", "New hub"),
        # CLI
        "rep_cli_done": (
            "レポートを書き出しました: {out}（{fmt}）　{shares}　到達不可 {unreach} 人　算出方法: {method}",
            "Report written: {out} ({fmt})   {shares}   unreachable {unreach} people   method: {method}",
        ),
        "rep_cli_share": ("{t}分以内 {p}%", "within {t} min {p}%"),
    }
)
