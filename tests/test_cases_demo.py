"""The cases' demo data: variety, the people that person matching needs, idempotence."""

import io

from agencies import demo as agencies_demo
from agencies.models import User
from cases import demo, retention
from cases.models import Asset, Case, CaseNote, Suspect


def test_demo_cases_are_varied_and_idempotent(db):
    agencies_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    counts = (
        Case.objects.count(),
        Suspect.objects.count(),
        Asset.objects.count(),
        CaseNote.objects.count(),
    )
    assert counts[0] >= 38
    assert set(Case.objects.values_list("agency__code", flat=True).distinct()) == {
        "vn-c03",
        "th-ccib",
        "kh-ahtjp",
        "ng-efcc",
        "fr-ncb",
    }
    assert len(set(Case.objects.values_list("fraud_type", flat=True))) == 9
    assert len(set(Case.objects.values_list("status", flat=True))) == 4
    assert len(set(Case.objects.values_list("sharing_level", flat=True))) >= 3
    assert len(set(Asset.objects.values_list("currency", flat=True))) >= 4
    assert len(set(Asset.objects.values_list("status", flat=True))) == 6

    def agencies_of(name):
        return set(
            Suspect.objects.filter(full_name=name).values_list("case__agency__code", flat=True)
        )

    assert agencies_of("Nguyễn Văn An") == {"vn-c03"}
    assert agencies_of("AN VAN NGUYEN") == {"th-ccib"}
    assert agencies_of("张伟") and agencies_of("Zhang Wei")
    assert agencies_of("张伟") != agencies_of("Zhang Wei")

    # The retention review page has a case to show: closed almost five years ago.
    supervisor = User.objects.get(username="vn.supervisor")
    assert [c.title for c in retention.cases_due(supervisor)] == [demo.RETENTION_DEMO_TITLE]

    demo.seed(io.StringIO())
    assert counts == (
        Case.objects.count(),
        Suspect.objects.count(),
        Asset.objects.count(),
        CaseNote.objects.count(),
    )


def test_demo_arrests_are_dated_in_the_past_over_several_months(db):
    from django.db.models import Min
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    agencies_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    first = Suspect.history.values("id").annotate(at=Min("history_date"))
    assert all(row["at"] <= timezone.now() for row in first)
    months = (
        Suspect.history.filter(status="arrested")
        .annotate(month=TruncMonth("history_date"))
        .values_list("month", flat=True)
        .distinct()
    )
    assert len(set(months)) >= 3
    # Never before the case was opened.
    for suspect in Suspect.objects.select_related("case"):
        recorded = suspect.history.earliest("history_date").history_date
        assert recorded.date() >= suspect.case.opened_on
