"""Demo victims: a raid on a scam compound in Cambodia freed dozens of workers of several
nationalities, now at every stage of their repatriation; some overdue, some handed over to the
Vietnamese, Thai and Nigerian demo agencies (accepted, pending, declined). Plus a few fraud
victims of the Vietnamese investment case. Idempotent: victims are found again by case and
name, so running it twice adds nothing.

"Trần Thị Mai" (trafficked worker, kh case, born 1995, year only) is the same person as the
suspect "TRAN THI MAI" of a Thai case: person matching flags her as a possible victim of forced
criminality."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from agencies.demo import agency_for, user_for
from cases.models import Case, FraudType, SharingLevel
from cases.services import case_create
from victims import services
from victims.factories import advance
from victims.models import Repatriation, Stage, Victim, VictimKind

RAID_CASE_TITLE = "Raid on the O'Smach scam compound: rescued workers"
# The raid was five weeks ago; the steps since are dated a few days apart, as they happened.
RAID_DAYS_AGO = 35
STEP_DAYS = 3
FACILITIES = ["Kampong Speu shelter", "O'Smach holding centre", "Phnom Penh immigration centre"]

# (full name, sex, nationality, birth year, vulnerabilities)
WORKERS: list[tuple[str, str, str, int, list[str]]] = [
    ("Trần Thị Mai", "female", "VN", 1995, []),
    ("Nguyễn Văn Hùng", "male", "VN", 1995, []),
    ("Lê Thị Thu", "female", "VN", 2009, ["minor"]),
    ("Phạm Quốc Bảo", "male", "VN", 1990, ["injured"]),
    ("Hoàng Minh Tuấn", "male", "VN", 1997, []),
    ("Đặng Thị Hạnh", "female", "VN", 1993, ["pregnant"]),
    ("Vũ Văn Long", "male", "VN", 2000, []),
    ("Bùi Thị Ngọc", "female", "VN", 1996, ["medical"]),
    ("Đỗ Văn Khánh", "male", "VN", 1989, []),
    ("Ngô Thị Lan", "female", "VN", 2001, []),
    ("สมชาย ใจดี", "male", "TH", 1994, []),
    ("สุภาพร แก้วมณี", "female", "TH", 1999, []),
    ("ประเสริฐ ทองคำ", "male", "TH", 2008, ["minor"]),
    ("วิไลวรรณ ศรีสุข", "female", "TH", 1992, ["medical"]),
    ("อนุชา บุญมา", "male", "TH", 1997, []),
    ("ธนพล วงศ์ไทย", "male", "TH", 1995, ["injured"]),
    ("Chukwuemeka Okafor", "male", "NG", 1991, []),
    ("Ngozi Adeyemi", "female", "NG", 1996, []),
    ("Oluwaseun Balogun", "male", "NG", 1993, ["injured"]),
    ("Aisha Bello", "female", "NG", 1998, []),
    ("Budi Santoso", "male", "ID", 1994, []),
    ("Siti Rahayu", "female", "ID", 1997, []),
    ("Agus Setiawan", "male", "ID", 1990, ["medical"]),
    ("Dewi Lestari", "female", "ID", 2000, []),
    ("王伟", "male", "CN", 1992, []),
    ("李娜", "female", "CN", 1995, []),
    ("张强", "male", "CN", 1988, []),
    ("Muhammad Hafiz bin Ismail", "male", "MY", 1996, []),
    ("Nurul Aina binti Hassan", "female", "MY", 1999, []),
    ("Maria Santos", "female", "PH", 1993, []),
    ("Jose Reyes", "male", "PH", 1991, ["injured"]),
    ("Kyaw Zin Htet", "male", "MM", 1998, []),
    ("Aung Myat Thu", "male", "MM", 2007, ["minor"]),
    ("Tharindu Perera", "male", "LK", 1994, []),
    ("Rahul Sharma", "male", "IN", 1996, []),
    ("Priya Nair", "female", "IN", 1997, []),
]

# Stages the workers are walked to, in turn: every stage is represented.
STAGE_CYCLE = [
    Stage.IDENTIFIED,
    Stage.RESCUED,
    Stage.IN_SHELTER,
    Stage.IN_SHELTER,
    Stage.IDENTITY_VERIFIED,
    Stage.IDENTITY_VERIFIED,
    Stage.TRAVEL_DOCUMENTS_ISSUED,
    Stage.TRAVEL_ARRANGED,
    Stage.REPATRIATED,
    Stage.REINTEGRATION_FOLLOW_UP,
    Stage.CLOSED,
    Stage.DECLINED,
    Stage.MISSING,
]

# Demo agencies of destination countries that receive hand-overs, by nationality.
RECEIVING = {"VN": "vn", "TH": "th", "NG": "ng"}

FRAUD_VICTIMS = [
    ("Nguyễn Thị Hương", "female", Decimal("450000000"), "VND"),
    ("Trương Văn Đức", "male", Decimal("1200000000"), "VND"),
    ("Lý Thanh Tâm", "female", Decimal("85000000"), "VND"),
]


def _raid_case() -> Case:
    kh = agency_for("kh")
    case = Case.objects.filter(agency=kh, title=RAID_CASE_TITLE).first()
    if case is None:
        case = case_create(
            by=user_for("kh", "investigator"),
            title=RAID_CASE_TITLE,
            summary="Joint raid with Vietnamese and Thai liaison officers; workers lured by "
            "fake job offers and forced to run investment and romance scams.",
            fraud_type=FraudType.JOB_SCAM,
            sharing_level=SharingLevel.SHARED,
            shared_with=[agency_for("vn"), agency_for("th")],
        )
    return case


def _final_stage_path(stage: str) -> list[str]:
    """Where to walk a worker: side exits go via in_shelter; closed via follow-up."""
    if stage == Stage.CLOSED:
        return [Stage.REINTEGRATION_FOLLOW_UP, Stage.CLOSED]
    if stage in (Stage.DECLINED, Stage.MISSING):
        return [Stage.IN_SHELTER, stage]
    return [stage]


def _passport(nationality: str, index: int) -> list[dict]:
    return [{"type": "passport", "country": nationality, "number": f"P{7040000 + index}"}]


def _seed_worker(case: Case, index: int, worker: tuple) -> bool:
    name, sex, nationality, year, flags = worker
    if Victim.objects.filter(case=case, full_name=name).exists():
        return False
    kh_liaison = user_for("kh", "liaison")
    victim = services.victim_create(
        by=kh_liaison,
        case=case,
        full_name=name,
        kind=VictimKind.TRAFFICKED_WORKER if index % 7 else VictimKind.BOTH,
        sex=sex,
        date_of_birth=datetime.date(year, 1, 1),
        date_of_birth_precision="year",
        nationality=nationality,
        current_country="KH",
        current_facility=FACILITIES[index % len(FACILITIES)],
        consent_to_share=True,
        vulnerabilities=flags,
        other_names=["Tran Thi Mai"] if name == "Trần Thị Mai" else [],
        identity_documents=_passport(nationality, index) if index % 3 else [],
        where="seed_demo",
    )
    raid = timezone.now() - datetime.timedelta(days=RAID_DAYS_AGO, hours=index)
    repatriation = services.repatriation_start(
        by=kh_liaison,
        victim=victim,
        destination_country=nationality,
        note="Found during the raid.",
        where="seed_demo",
        at=raid,
    )
    stage = STAGE_CYCLE[index % len(STAGE_CYCLE)]
    receiver = RECEIVING.get(nationality)
    handed_over = False
    for target in _final_stage_path(stage):
        if target == Stage.CLOSED and victim.is_minor and receiver:
            repatriation = _handover(repatriation, receiver, accept=True)
            receiver, handed_over = None, True
        # After a hand-over (recorded now), the steps that follow are now too.
        step = datetime.timedelta(days=STEP_DAYS)
        when = None if handed_over else repatriation.stage_entered_at + step
        repatriation = advance(repatriation, by=kh_liaison, stage=target, at=when, every=step)
    if receiver and repatriation.stage != Stage.CLOSED:
        # Hand-overs in every state: accepted (most), pending, declined.
        decision = {0: True, 1: None, 2: False}.get(index % 5, True)
        repatriation = _handover(repatriation, receiver, accept=decision)
    if index % 4 == 1 and repatriation.due_on:
        # The passage of time: this stage ran past its due date.
        Repatriation.objects.filter(pk=repatriation.pk).update(
            due_on=timezone.localdate() - datetime.timedelta(days=1 + index % 9)
        )
    return True


def _handover(repatriation: Repatriation, cc: str, *, accept: bool | None) -> Repatriation:
    repatriation = services.repatriation_handover(
        by=user_for("kh", "liaison"),
        repatriation=repatriation,
        agency=agency_for(cc),
        note="Please receive this national.",
        where="seed_demo",
        version=repatriation.version,
    )
    if accept is True:
        repatriation = services.repatriation_accept(
            by=user_for(cc, "liaison"), repatriation=repatriation, where="seed_demo"
        )
    elif accept is False:
        repatriation = services.repatriation_decline(
            by=user_for(cc, "liaison"),
            repatriation=repatriation,
            reason="Identity not confirmed by our civil registry yet; send the fingerprints.",
            where="seed_demo",
        )
    return repatriation


def _seed_fraud_victims() -> int:
    vn = agency_for("vn")
    case = Case.objects.filter(agency=vn, title__startswith="Fake securities app").first()
    if case is None:
        return 0
    created = 0
    for name, sex, loss, currency in FRAUD_VICTIMS:
        if Victim.objects.filter(case=case, full_name=name).exists():
            continue
        services.victim_create(
            by=user_for("vn", "investigator"),
            case=case,
            full_name=name,
            kind=VictimKind.FRAUD_VICTIM,
            sex=sex,
            nationality="VN",
            current_country="VN",
            loss_amount=loss,
            loss_currency=currency,
            where="seed_demo",
        )
        created += 1
    return created


def seed(out) -> None:
    case = _raid_case()
    created = sum(_seed_worker(case, i, worker) for i, worker in enumerate(WORKERS))
    created += _seed_fraud_victims()
    out.write(
        f"{created} victims created, {Victim.objects.count()} in all; "
        f"{Repatriation.objects.overdue().count()} repatriations overdue"
    )
