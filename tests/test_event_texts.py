"""What the system writes (timeline events, notifications, their e-mails) is shown in the
READER's language: stored by key and parameters (config.messages), choices through their
label, data as entered; the English sentence is kept too; a row written before keys existed
shows its stored text."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Notification
from agencies.services import notification_send
from cases.models import CaseNote, SharingLevel
from cases.services import case_set_sharing
from cases.timeline import case_event_record
from config import messages
from indicators.models import Indicator
from indicators.services import indicator_update, indicators_add_batch
from payments import services as payments
from payments.models import Status
from tests.test_i18n import compiled_catalogues  # noqa: F401  (the .mo files, read afresh)
from victims import services as victims
from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage

TH_ACCOUNT = "123-4-56789-0"


@pytest.fixture(autouse=True)
def no_language_left_active():
    """A page request activates its reader's language in this thread and leaves it: later
    tests would read French or Thai."""
    yield
    translation.deactivate()


def _speaks(user, code):
    user.language = code
    user.save(update_fields=["language"])
    return user


def _timeline(client, case) -> str:
    return client.get(reverse("cases:section", args=[case.pk, "timeline"])).content.decode()


def _share(case, by, level, agencies, *, writer_language):
    with translation.override(writer_language):
        case_set_sharing(
            case=case, level=level, agencies=agencies, by=by, expected_version=case.version
        )
    return case


@pytest.fixture
def shared(make_case, alice, partner):
    """A case whose sharing an English-speaking investigator changed."""
    return _share(make_case(), alice, SharingLevel.SHARED, [partner], writer_language="en")


def test_a_timeline_event_reads_in_the_readers_language_on_the_page(client, shared, bob, partner):
    event = CaseNote.objects.get(case=shared)
    assert event.message_key == "lines"
    # Stored in English, the levels by their code.
    assert event.text.startswith("Sharing: Restricted — own agency only → Shared")
    assert event.params["lines"][0] == {
        "key": "sharing.level",
        "params": {"old": "restricted", "new": "shared"},
    }
    client.force_login(_speaks(bob, "fr"))
    french = _timeline(client, shared)
    # The choice in French through its label; the agency's name as entered.
    assert "Partage : Restreint — agence propriétaire uniquement → Partagé" in french
    assert f"Partage avec {partner.name} (TH) ajouté" in french
    assert "Sharing:" not in french
    _speaks(bob, "th")
    thai = _timeline(client, shared)
    assert "การแบ่งปัน: จำกัด — เฉพาะหน่วยงานเจ้าของ → แบ่งปัน" in thai
    assert f"เพิ่มการแบ่งปันกับ {partner.name} (TH)" in thai


def test_a_timeline_event_reads_in_the_readers_language_in_the_api(api, shared, bob, partner):
    url = f"/api/v1/notes/?case={shared.pk}"
    (english,) = api(bob).get(url).json()["results"]
    assert english["text"].startswith("Sharing: Restricted")
    (thai,) = api(_speaks(bob, "th")).get(url).json()["results"]
    assert thai["text"] == (
        "การแบ่งปัน: จำกัด — เฉพาะหน่วยงานเจ้าของ → แบ่งปัน — รวมหน่วยงานที่ระบุ\n"
        f"เพิ่มการแบ่งปันกับ {partner.name} (TH)"
    )
    # With no saved language, the API follows the request's, as the pages do.
    _speaks(bob, "")
    response = api(bob).get(url, headers={"accept-language": "fr"})
    (french,) = response.json()["results"]
    assert french["text"].startswith("Partage : Restreint")


def test_the_stored_text_is_english_whatever_the_writers_language(make_case, alice):
    case = _share(make_case(), alice, SharingLevel.NETWORK, [], writer_language="fr")
    event = CaseNote.objects.get(case=case)
    assert event.text == "Sharing: Restricted — own agency only → Network — every agency"
    with translation.override("fr"):
        assert event.display_text.startswith("Partage : Restreint")


@pytest.fixture
def answered(make_case, own_users, partner, partner_users, django_capture_on_commit_callbacks):
    """A stop-payment request an English-speaking officer answered: partially frozen."""
    requester = own_users["investigator"]
    requester.email = "requester@example.org"
    requester.save(update_fields=["email"])
    _speaks(requester, "fr")
    case = make_case()
    with translation.override("en"):
        stop = payments.stop_payment_file(
            case=case,
            by=requester,
            to_agency=partner,
            account_kind="bank_account",
            account=TH_ACCOUNT,
            amount=Decimal("5000.00"),
            currency="USD",
        )
        stop.refresh_from_db()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            payments.stop_payment_record_outcome(
                request=stop,
                by=partner_users["investigator"],
                version=stop.version,
                outcome=Status.PARTIALLY_FROZEN,
                amount_frozen=Decimal("1200.50"),
                currency="USD",
            )
    stop.refresh_from_db()
    return stop


def test_a_notification_reads_in_the_readers_language(client, answered, own_users, partner):
    requester = own_users["investigator"]
    notification = Notification.objects.get(user=requester, key__endswith=":answered")
    assert notification.message_key == "sentences"
    assert notification.message == (
        f"Stop-payment request {answered.reference} to {partner.name}: Partially frozen. "
        "1200.50 USD frozen."
    )
    client.force_login(requester)
    french = client.get(reverse("notifications:list")).content.decode()
    # The status (a choice) in French; the reference, the agency, the amount as entered.
    assert (
        f"Demande de blocage de paiement {answered.reference} à {partner.name} : "
        "Partiellement gelé. 1200.50 USD gelés."
    ) in french
    assert "Partially frozen" not in french
    _speaks(requester, "th")
    thai = client.get(reverse("notifications:list")).content.decode()
    assert f"คำขอระงับการชำระเงิน {answered.reference} ถึง {partner.name}: อายัดบางส่วน" in thai
    # The case's timeline has the same event, by key too.
    event = CaseNote.objects.get(case=answered.case, message_key="sentences")
    assert event.params["parts"][0]["params"]["status"] == Status.PARTIALLY_FROZEN
    assert "อายัดบางส่วน" in _timeline(client, answered.case)


def test_the_e_mail_is_in_the_recipients_saved_language(answered):
    """The writer was English; the requester saved French: their e-mail is in French."""
    (message,) = [m for m in mail.outbox if m.to == ["requester@example.org"]]
    assert message.subject.startswith(
        f"[Fortress] Demande de blocage de paiement {answered.reference}"
    )
    assert "Partiellement gelé" in message.body and "Partially frozen" not in message.body


def test_an_old_row_without_a_key_shows_its_stored_text(client, make_case, alice, bob):
    case = make_case()
    old_event = case_event_record(case=case, text="Access granted to X.", by=alice)
    old_notification = notification_send(user=bob, key="old", message="Hand-over 7 awaits you")
    assert old_event.message_key == "" and old_notification.message_key == ""
    client.force_login(_speaks(bob, "fr"))
    assert "Access granted to X." in _timeline(client, case)
    assert "Hand-over 7 awaits you" in client.get(reverse("notifications:list")).content.decode()


def test_a_key_or_parameters_that_no_longer_fit_show_the_stored_text():
    assert messages.render("no.such.key", {"x": 1}, "as stored") == "as stored"
    assert messages.render("stop_payment.expired", {}, "as stored") == "as stored"
    # A choice code since removed is shown as its code.
    with translation.override("en"):
        shown = messages.render(
            "stop_payment.answered", {"ref": "SP-1", "agency": "A", "status": "x"}
        )
    assert shown == "Stop-payment request SP-1 to A: x."
    # Rows of another shape: a nested text whose key is not a string, parameters that are no
    # mapping, a person explanation that is no text.
    assert messages.render("lines", {"lines": [{"key": ["x"]}]}, "as stored") == "as stored"
    assert messages.render("lines", ["not", "a", "mapping"], "as stored") == "as stored"
    assert messages.render(["a key"], {}, "as stored") == "as stored"
    # A nested text since renamed: the stored sentence whole, not one with a hole in it.
    assert messages.render("lines", {"lines": [{"key": "no.such.key"}]}, "as stored") == (
        "as stored"
    )
    with pytest.raises(KeyError):
        messages.text("no.such.key")


def test_every_writer_names_a_text_of_the_registry():
    """Each key a writer passes literally is in the registry."""
    base = Path(__file__).resolve().parents[1]
    used = set()
    for path in base.glob("*/*.py"):
        if path.relative_to(base).parts[0] != "tests":
            used |= set(re.findall(r'messages\.text\(\s*"([a-z_.]+)"', path.read_text()))
    assert len(used) > 20, used
    assert used - set(messages.MESSAGES) == set()


def test_an_indicators_kind_field_and_values_read_in_the_readers_language(
    client, make_case, alice, bob
):
    case = make_case()
    with translation.override("en"):
        indicators_add_batch(
            case=case,
            by=alice,
            rows=[{"kind": "domain", "value": "scam-shop.com", "takedown_status": "active"}],
        )
        indicator = Indicator.objects.get(case=case, value__normalized="scam-shop.com")
        indicator_update(indicator=indicator, by=alice, takedown_status="taken_down")
    english = "\n".join(CaseNote.objects.filter(case=case).values_list("text", flat=True))
    assert "Indicators added: Domain scam-shop.com" in english
    assert "Active → Taken down" in english
    client.force_login(_speaks(bob, "fr"))
    french = _timeline(client, case)
    assert "Indicateurs ajoutés : Domaine scam-shop.com" in french
    assert "Indicateur modifié : Domaine scam-shop.com" in french
    assert "→ Neutralisé" in french and "Taken down" not in french


def test_the_overdue_alert_names_the_stage_in_the_officers_language(
    client, own_users, make_case, settings, django_capture_on_commit_callbacks
):
    """The beat job writes in no one's language: the liaison who saved Thai reads the stage
    in Thai on the notifications page and in the e-mail (the sentence itself until its
    translation is added)."""
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"in_shelter": 10}
    liaison = _speaks(own_users["liaison"], "th")
    liaison.email = "liaison@own.example.org"
    liaison.save(update_fields=["email"])
    victim = make_victim(case=make_case(), by=liaison)
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
    Repatriation.objects.filter(pk=repatriation.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        assert victims.flag_overdue_repatriations() == 1
    notification = Notification.objects.get(user=liaison)
    assert "stage In shelter was due" in notification.message  # stored in English
    assert notification.params["stage"] == Stage.IN_SHELTER
    (message,) = mail.outbox
    assert "อยู่ในบ้านพักพิง" in message.body and "In shelter" not in message.body
    assert victim.reference in message.subject and victim.full_name not in message.body
    client.force_login(liaison)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "อยู่ในบ้านพักพิง" in page and victim.reference in page


# --- a person match's explanation ------------------------------------------------------------


def test_every_part_the_matcher_writes_is_known_to_the_explanation():
    import inspect

    from persons import explain, matching

    source = inspect.getsource(matching.score)
    written = set(re.findall(r'parts\.append\("([^"]+)"\)', source))
    written |= {part.rstrip(", ") for part in re.findall(r'"(same identity document), "', source)}
    assert "same birth year" in written and "same identity document" in written
    assert written <= set(explain.PARTS), written - set(explain.PARTS)


def test_a_match_explanation_is_shown_in_the_readers_language(compiled_catalogues):  # noqa: F811
    from persons import explain

    stored = "names 92/100 (phonetic), same birth year, different nationalities"
    with translation.override("fr"):
        french = explain.translated(stored)
    with translation.override("th"):
        thai = explain.translated(stored)
    assert explain.translated(stored) == stored  # English: as stored
    for shown in (french, thai):
        assert shown != stored and "92/100" in shown
        assert "same birth year" not in shown and "phonetic" not in shown
    # A part an older release wrote, unknown here, is shown as stored.
    assert explain.translated("names 80/100, same shoe size").endswith("same shoe size")
    # In the timeline's text of an access request made after a person match, too.
    with translation.override("fr"):
        text = messages.render(
            "access.after_person", {"explanation": "same nationality"}, "fallback"
        )
    assert "same nationality" not in text
