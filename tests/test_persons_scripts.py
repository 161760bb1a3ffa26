"""Matching across scripts and Vietnamese diacritics, through the index (suspects of two
agencies saved, indexed and matched as in the app)."""

import pytest

from cases.services import case_create, suspect_create
from persons import xref as persons_xref
from persons.models import PersonMatch


@pytest.fixture
def save(django_capture_on_commit_callbacks, settings, make_case, partner_users):
    own_case = make_case(title="Scam centre raid")
    partner_case = case_create(by=partner_users["investigator"], title="Passport scans")

    def run(own_name: str, partner_name: str) -> list[PersonMatch]:
        for case, name in ((own_case, own_name), (partner_case, partner_name)):
            by = case.agency.users.get(role="investigator")
            with django_capture_on_commit_callbacks(execute=settings.CELERY_TASK_ALWAYS_EAGER):
                suspect_create(case=case, by=by, full_name=name)
        persons_xref.sweep()
        return list(PersonMatch.objects.all())

    return run


@pytest.mark.parametrize(
    ("own_name", "partner_name"),
    [
        ("Nguyễn Văn Hùng", "NGUYEN VAN HUNG"),
        ("محمد عبد الله", "Mohammed Abdullah"),
        ("محمد عبد الله", "Muhammad Abdallah"),
        ("김민준", "Kim Min-jun"),
        ("김민준", "Min-Jun Kim"),
    ],
)
def test_proposed(save, own_name, partner_name):
    assert len(save(own_name, partner_name)) == 1


@pytest.mark.parametrize(
    ("own_name", "partner_name"),
    [("Nguyễn Hùng", "Nguyễn Hương"), ("Nguyễn Văn Hùng", "Nguyễn Văn Hưng")],
)
def test_not_proposed(save, own_name, partner_name):
    assert save(own_name, partner_name) == []
