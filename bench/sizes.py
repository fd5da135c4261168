"""Data sizes the benchmarks run at: from a few communes for a month to Hai Phong's 114 communes for a year, and
the nation's 3,321 for a year."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    communes: int
    days: int
    #: mean survey responses per centre per working day (QR, paper, web and kiosk together)
    responses_per_day: float
    #: mean feedback cases per commune per day (every channel)
    cases_per_day: float
    #: mean TTHC dossiers per commune per working day
    dossiers_per_day: float
    #: share of responses that are one-tap kiosk ratings
    kiosk_share: float = 0.4
    #: seconds of load per ingestion measurement
    load_seconds: float = 10.0
    #: timed requests per dashboard page
    page_requests: int = 30
    #: "python": the product's generators (survey_app.services.demo_data), row by row; "sql": the set-based
    #: generator of bench/nation.py, inside PostgreSQL (the only way to a national size in minutes)
    generator: str = "python"
    #: the communes' codes begin "<prefix>-" (hp: Hải Phòng's, vn: the nation's)
    code_prefix: str = "hp"
    #: parent units (provinces) the communes are spread over; the first is the product's city (code 31)
    provinces: int = 1


SIZES = {
    # the test suite: that everything runs, in seconds
    "tiny": Size("tiny", communes=2, days=14, responses_per_day=3, cases_per_day=1, dossiers_per_day=4,
                 load_seconds=1.0, page_requests=3),
    # a few wards for a month: the whole bench in about a minute
    "demo": Size("demo", communes=6, days=31, responses_per_day=10, cases_per_day=1.5, dossiers_per_day=25,
                 load_seconds=1.0, page_requests=10),
    # 114 communes, one year: ~2 million responses, ~200,000 cases, ~3 million dossiers
    "city": Size("city", communes=114, days=365, responses_per_day=65, cases_per_day=5.9, dossiers_per_day=105,
                 load_seconds=15.0, page_requests=40),
    # the nation since 1 July 2025: 3,321 commune-level units in 34 provinces, one year, generated set-based in
    # PostgreSQL (bench/nation.py). Rates for an *average* commune (about 30,000 people; Hải Phòng's urban wards
    # above are two to three times that): 15 TTHC dossiers per working day (≈ 3,700 a year: most communes receive
    # a few thousand a year, hộ tịch and chứng thực first) — about 12 million dossiers; 1 feedback case per day
    # from every channel (plus the weekly collection and the boxes) — about 1.2 million cases; 1 survey response
    # per centre per working day on average, each commune between 0.4 and 1.6 times that (≈ 120–470 a year), so
    # most communes meet item 2.7.a's 150–200 a year (13–17 a month) and the quietest miss some months — about a
    # million responses and 9 million answers, written raw so the rollups are built by the product's refresh
    "nation": Size("nation", communes=3321, days=365, responses_per_day=1.0, cases_per_day=1.0, dossiers_per_day=15,
                   load_seconds=15.0, page_requests=40, generator="sql", code_prefix="vn", provinces=34),
}
