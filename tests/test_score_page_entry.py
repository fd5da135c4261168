"""The score page saves time: a "chưa chấm" filter, "lưu tất cả" for the staff-entered items (one POST, all or
nothing, each change in the audit log), points only on the table's step, items that fold away when done; the
appraiser's page links each item's evidence files (and only those the reader may see)."""

import html as html_lib
import io
import re

import pytest
from sqlalchemy import func, select

from reports.scoring.table import for_year
from survey_app.extensions import db
from survey_app.models import AuditEvent, ScoreAttachment, ScoreEntry, ScoreEntryVersion
from survey_app.numbers import number_vi, on_step, parse_number_vi, step_pattern

TABLE = for_year(2026)
STEP = TABLE.rounding_step


def _page(client, unit, query: str = "") -> str:
    return html_lib.unescape(client.get(f"/admin/scores/{unit}/2026{query}").get_data(as_text=True))


def _items_on(page: str) -> list[str]:
    """The item codes the page lays out (one folding block per item)."""
    return re.findall(r'<details class="score-item[^"]*" id="item-([^"]+)"', page)


def _entries(app, unit) -> dict[str, tuple[float, str]]:
    with app.app_context():
        rows = db.session.execute(select(ScoreEntry).where(ScoreEntry.unit_id == unit)).scalars().all()
        return {r.item_code: (r.points, r.note) for r in rows}


def _score_entry_events(app, unit) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent.entity_id).where(
            AuditEvent.unit_id == unit, AuditEvent.action == "score_entry").order_by(AuditEvent.id)).scalars())


def _entered(*skip: str) -> list:
    return [i for i in TABLE.items if i.mode == "entered" and i.code not in skip]


# -- the one number helper reads what people type ---------------------------------------------------------------


def test_typed_numbers_are_read_with_a_comma_or_a_dot():
    assert parse_number_vi("1,25") == 1.25 and parse_number_vi("1.25") == 1.25 and parse_number_vi(" 2 ") == 2
    assert parse_number_vi("1.234,5") == 1234.5 and parse_number_vi("1.234.567") == 1234567
    assert parse_number_vi(number_vi(9.75)) == 9.75
    for bad in ("", "abc", "1,2,3", "nan", "inf", "1e3", "1,", ",5", "1.23.4", "1.2345,6"):
        with pytest.raises(ValueError):
            parse_number_vi(bad)
    assert on_step(1.25, 0.25) and on_step(3, 0.25) and not on_step(1.3, 0.25) and not on_step(0.1, 0.25)
    pattern = re.compile(step_pattern(0.25))
    for ok in ("1", "1,25", "1.25", "0,5", "2.50", "0,75", "10"):
        assert pattern.fullmatch(ok), ok
    for wrong in ("1,3", "1.2", "0,1", "1,255", "abc", "-1"):
        assert not pattern.fullmatch(wrong), wrong


# -- points on the table's step ---------------------------------------------------------------------------------


def test_points_off_the_tables_step_are_refused_with_a_vietnamese_message(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    off = client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "1,3"},
                      follow_redirects=True)
    assert f"Mục 2.3: điểm chấm theo bước {number_vi(STEP)}" in html_lib.unescape(off.get_data(as_text=True))
    assert _entries(app, unit) == {}
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "1,25"})
    assert _entries(app, unit)["2.3"][0] == 1.25
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "1.75"})
    assert _entries(app, unit)["2.3"][0] == 1.75
    page = _page(client, unit)
    field = re.search(r'<input[^>]*id="points-2\.3"[^>]*>', page).group(0)
    assert f'pattern="{step_pattern(STEP)}"' in field
    assert 'inputmode="decimal"' in field and 'value="1,75"' in field


def test_the_appraisers_points_follow_the_same_step(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.admin")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "3"})
    client.post(f"/admin/appraisal/submit/{unit}/2026", data={"csrf_token": token, "confirm_blank": "1"})
    client.post("/logout", data={"csrf_token": token})
    auth.login("thamdinh")
    token = auth.csrf(f"/admin/appraisal/2026/{unit}")
    off = client.post(f"/admin/appraisal/2026/{unit}", data={"csrf_token": token, "points-2.3": "2,1",
                                                             "reason-2.3": "Thiếu sổ trực"}, follow_redirects=True)
    assert "điểm chấm theo bước" in html_lib.unescape(off.get_data(as_text=True))
    ok = client.post(f"/admin/appraisal/2026/{unit}", data={"csrf_token": token, "points-2.3": "2,25",
                                                            "reason-2.3": "Thiếu sổ trực"}, follow_redirects=True)
    assert "Đã lưu điểm thẩm định" in ok.get_data(as_text=True)


# -- the "chưa chấm" filter -------------------------------------------------------------------------------------


def test_the_chua_cham_filter_shows_only_the_items_nobody_has_scored(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "3"})
    everything = _page(client, unit)
    assert _items_on(everything) == [i.code for i in TABLE.items]
    link = re.search(r'<a[^>]*id="filter-blank"[^>]*href="([^"]+)"', everything) \
        or re.search(r'<a[^>]*href="([^"]+)"[^>]*id="filter-blank"', everything)
    assert link, "a plain link (no JavaScript needed) to the filter"
    blank = client.get(f"/admin/scores/{unit}/2026.json").json["blank"]
    filtered = _page(client, unit, "?" + link.group(1).split("?", 1)[1].split("#")[0])
    assert _items_on(filtered) == blank and "2.3" not in _items_on(filtered)
    assert len(blank) == len(_entered("2.3"))
    assert re.search(r'id="filter-all"[^>]*>|href="[^"]*"[^>]*id="filter-all"', filtered)  # the way back


# -- items fold away when done ----------------------------------------------------------------------------------


def test_items_that_need_attention_are_open_and_the_rest_folded(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "3"})  # full
    client.post(f"/admin/scores/{unit}/2026/items/2.5", data={"csrf_token": token, "points": "0,5"})  # below max
    page = _page(client, unit)
    tags = {code: tag for tag, code in re.findall(r'(<details class="score-item[^"]*" id="item-([^"]+)"[^>]*>)',
                                                   page)}
    assert " open" not in tags["2.3"]
    assert " open" in tags["2.5"] and " open" in tags["2.6"]  # below max; nobody scored it
    assert re.search(r'id="item-2\.3"[^>]*>\s*<summary', page)


# -- "lưu tất cả" -----------------------------------------------------------------------------------------------


def _save_all(client, unit, token, fields: dict, **kwargs):
    return client.post(f"/admin/scores/{unit}/2026/items", data={"csrf_token": token, **fields}, **kwargs)


def test_save_all_saves_every_changed_item_in_one_post_and_logs_each(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    page = client.get(f"/admin/scores/{unit}/2026").get_data(as_text=True)
    assert 'id="save-all"' in page and 'form="score-entries"' in page
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    saved = _save_all(client, unit, token, {"points-2.3": "2,5", "note-2.3": "Sổ trực tình nguyện viên",
                                            "points-2.5": "1", "note-2.5": "Thư chúc Tết", "points-2.6": "",
                                            "note-2.6": ""}, follow_redirects=True)
    assert saved.status_code == 200 and "Đã lưu 2 mục: 2.3, 2.5" in saved.get_data(as_text=True)
    assert _entries(app, unit) == {"2.3": (2.5, "Sổ trực tình nguyện viên"), "2.5": (1.0, "Thư chúc Tết")}
    assert sorted(_score_entry_events(app, unit)) == ["2.3", "2.5"]
    # the page sends every field again: unchanged items are not written twice
    _save_all(client, unit, token, {"points-2.3": "2.5", "note-2.3": "Sổ trực tình nguyện viên",
                                    "points-2.5": "0,75", "note-2.5": "Thư chúc Tết"})
    assert _entries(app, unit)["2.5"] == (0.75, "Thư chúc Tết")
    assert sorted(_score_entry_events(app, unit)) == ["2.3", "2.5", "2.5"]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ScoreEntryVersion)).scalar() == 3


def test_save_all_is_all_or_nothing_with_an_error_beside_each_item(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    _save_all(client, unit, token, {"points-2.5": "1", "note-2.5": "Thư chúc Tết"})
    before, events = _entries(app, unit), _score_entry_events(app, unit)
    refused = _save_all(client, unit, token, {
        "points-2.3": "1,3", "note-2.3": "", "points-2.5": "0,5", "note-2.5": "Thư chúc Tết",
        "points-2.6": "5", "note-2.6": "Gặp mặt", "points-2.4.a": "", "note-2.4.a": "Chỉ có ghi chú",
        "points-1.1.a.1": "mot"})
    html = html_lib.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "Chưa lưu mục nào" in html
    errors = dict(re.findall(r'<p class="error" id="error-([^"]+)"[^>]*>([^<]+)</p>', html))
    assert set(errors) == {"2.3", "2.6", "2.4.a", "1.1.a.1"}
    assert f"bước {number_vi(STEP)}" in errors["2.3"] and "từ 0 đến 1" in errors["2.6"]
    assert "chưa nhập điểm" in errors["2.4.a"] and "phải là một số" in errors["1.1.a.1"]
    assert re.search(r'id="points-2\.3"[^>]*value="1,3"|value="1,3"[^>]*id="points-2\.3"', html)  # kept as typed
    assert re.search(r'id="points-2\.5"[^>]*value="0,5"|value="0,5"[^>]*id="points-2\.5"', html)
    assert _entries(app, unit) == before and _score_entry_events(app, unit) == events  # nothing half-saved
    cleared = _save_all(client, unit, token, {"points-2.5": "", "note-2.5": "Thư chúc Tết"})
    assert cleared.status_code == 400 and _entries(app, unit) == before
    assert "nhập 0" in html_lib.unescape(cleared.get_data(as_text=True))


def test_save_all_needs_the_token_a_writer_and_the_users_commune(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    assert _save_all(client, unit, "", {"points-2.3": "3"}).status_code == 400
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    assert _save_all(client, world["units"]["hoa-binh"], token, {"points-2.3": "3"}).status_code == 404
    client.post("/logout", data={"csrf_token": token})
    auth.login("bd.xem")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    assert _save_all(client, unit, token, {"points-2.3": "3"}).status_code == 403
    assert _entries(app, unit) == {}


def test_the_single_item_save_still_works_beside_save_all(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    page = client.get(f"/admin/scores/{unit}/2026").get_data(as_text=True)
    single = re.search(r'<button[^>]*formaction="([^"]*/items/2\.3)"', page)
    assert single, "each staff item keeps its own save button"
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    # the button sends the whole form; only its item is saved
    client.post(single.group(1), data={"csrf_token": token, "points-2.3": "2,75", "note-2.3": "Sổ trực",
                                       "points-2.5": "1"})
    assert _entries(app, unit) == {"2.3": (2.75, "Sổ trực")}


# -- the appraiser's page links the evidence --------------------------------------------------------------------


def test_the_appraisers_page_links_each_items_evidence_files(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.admin")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "3"})
    client.post(f"/admin/scores/{unit}/2026/items/2.3/attachments", data={
        "csrf_token": token, "files": [(io.BytesIO(b"%PDF-1.4 so truc"), "sổ trực.pdf")]},
        content_type="multipart/form-data")
    client.post(f"/admin/appraisal/submit/{unit}/2026", data={"csrf_token": token, "confirm_blank": "1"})
    client.post("/logout", data={"csrf_token": token})
    with app.app_context():
        attachment = db.session.execute(select(ScoreAttachment)).scalar_one()
        href = f"/admin/scores/attachments/{attachment.id}"

    auth.login("thamdinh")
    page = html_lib.unescape(client.get(f"/admin/appraisal/2026/{unit}").get_data(as_text=True))
    row = page[page.index('id="item-2.3"'):]
    row = row[:row.index("</tr>")]
    assert f'href="{href}"' in row and "sổ trực.pdf" in row
    assert client.get(href).data == b"%PDF-1.4 so truc"
    token = auth.csrf(f"/admin/appraisal/2026/{unit}")
    client.post("/logout", data={"csrf_token": token})

    auth.login("bd.canbo")  # the commune's own staff read their file too
    assert f'href="{href}"' in client.get(f"/admin/appraisal/2026/{unit}").get_data(as_text=True)
    token = auth.csrf(f"/admin/appraisal/2026/{unit}")
    client.post("/logout", data={"csrf_token": token})

    auth.login("hb.admin")  # another commune's staff: neither the page nor the file
    assert client.get(f"/admin/appraisal/2026/{unit}").status_code == 404
    assert client.get(href).status_code == 404
