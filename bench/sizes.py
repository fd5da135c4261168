"""Data sizes the benchmarks run at: from a few communes for a month to Hai Phong's 114 communes for a year."""

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
}
