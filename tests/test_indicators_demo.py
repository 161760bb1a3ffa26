"""The demo data shows hits at once: the same Tron wallet in a Vietnamese and a Cambodian case,
the same phishing domain in Thai and Nigerian cases, one phone number written two ways."""

from io import StringIO

from agencies import demo as agencies_demo
from cases import demo as cases_demo
from indicators import demo
from indicators.models import Hit, Indicator


def test_demo_indicators_overlap_across_agencies_and_seed_twice_is_a_no_op(db):
    out = StringIO()
    agencies_demo.seed(out)
    cases_demo.seed(out)
    demo.seed(out)
    held = {}
    for code, value in Hit.objects.values_list("case__agency__country", "value__normalized"):
        held.setdefault(value, set()).add(code)
    assert held[demo.TRON] == {"VN", "KH"}
    assert held["secure-krungthai-verify.com"] == {"TH", "NG"}
    assert held["+84912345678"] == {"VN", "KH"}
    assert "8.8.8.8" not in held  # a public resolver is common: no hit
    counts = Indicator.objects.count(), Hit.objects.count()
    demo.seed(out)
    assert (Indicator.objects.count(), Hit.objects.count()) == counts
