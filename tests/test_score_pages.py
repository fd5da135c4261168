"""Staff see the live score, enter an item, read the rows behind a computed one; other communes are 404."""

from datetime import date

from survey_app.extensions import db
from survey_app.models import Dossier
from survey_app.services.workdays import end_of_local_day
from survey_app.timeutil import LOCAL_TZ


def test_score_page_entry_rows_and_scoping(client, app, world, auth):
    from datetime import datetime

    with app.app_context():
        received = datetime(2026, 3, 2, 9, tzinfo=LOCAL_TZ)
        db.session.add(Dossier(unit_id=world["units"]["bach-dang"], code="=HS-1", received_at=received,
                               received_day=received.date(), due_at=end_of_local_day(date(2026, 3, 4))))
        db.session.commit()
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    page = client.get(f"/admin/scores/{unit}/2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tiêu chí 2: các mục cộng lại 25 điểm" in html
    assert "1 hồ sơ quá hạn" in html
    response = client.post(f"/admin/scores/{unit}/2026/items/2.3", data={
        "csrf_token": auth.csrf(f"/admin/scores/{unit}/2026"), "points": "2,5", "note": "Sổ trực tình nguyện viên"})
    assert response.status_code == 303
    data = client.get(f"/admin/scores/{unit}/2026.json").json
    item = next(i for i in data["items"] if i["code"] == "2.3")
    assert item["points"] == 2.5 and item["source"] == "entered"
    too_much = client.post(f"/admin/scores/{unit}/2026/items/2.3", data={
        "csrf_token": auth.csrf(f"/admin/scores/{unit}/2026"), "points": "4"}, follow_redirects=True)
    assert "điểm phải từ 0 đến 3" in too_much.get_data(as_text=True)
    rows = client.get(f"/admin/scores/{unit}/2026/items/2.8/rows.csv")
    assert rows.status_code == 200 and "'=HS-1" in rows.get_data(as_text=True)  # no formula injection
    other = world["units"]["hoa-binh"]
    assert client.get(f"/admin/scores/{other}/2026").status_code == 404
    assert client.get(f"/admin/scores/{other}/2026.json").status_code == 404
