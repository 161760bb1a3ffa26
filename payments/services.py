"""The writes on stop-payment requests: filing, acknowledging, recording the outcome (which
may file the follow-on request to the next agency, and writes a freeze back to the
originating case's assets), and the deadline job. One function each, transactional, the
acting user named.

An answer is a claim: the row is locked and its `version` checked (`check_version`), so of
two answers sent at once from the same version one is written and the other is a conflict
(409). The deadline job claims with a conditional UPDATE on the status, so it never expires
a request answered meanwhile."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from agencies.models import Agency, User
from agencies.services import notification_mail, notification_send
from cases.models import Asset, AssetKind, AssetStatus, Case
from cases.money import money_errors
from cases.timeline import case_event_record
from config import messages
from config.errors import PolicyError, check_version
from indicators.models import Hit, Indicator
from indicators.normalize import normalize
from payments.models import (
    OPEN_STATUSES,
    OUTCOMES,
    AccountKind,
    Source,
    Status,
    StopPaymentRequest,
    StopPaymentTransfer,
    Urgency,
)
from victims.models import Victim

# What an answer's version covers.
ANSWER_FIELDS = ("status", "acknowledged_at", "answered_at", "amount_frozen", "frozen_currency")
ASSET_KINDS = {
    AccountKind.BANK_ACCOUNT: AssetKind.BANK_ACCOUNT,
    AccountKind.CRYPTO_WALLET: AssetKind.CRYPTO,
    AccountKind.PHONE: AssetKind.OTHER,
}


def normalize_account(*, account_kind: str, account: str, chain: str, region: str) -> str:
    """The account as its indicator kind normalises it (the same kinds' names)."""
    if account_kind not in AccountKind.values:
        raise ValidationError({"account_kind": _("Choose a bank account, a wallet or a phone.")})
    try:
        return normalize(account_kind, account, chain=chain, region=region).value
    except ValidationError as exc:
        field = "chain" if "chain" in " ".join(exc.messages) else "account"
        raise ValidationError({field: exc.messages}) from None


def _money(
    amount: Decimal | str | None, currency: str, amount_field: str, currency_field: str
) -> tuple[Decimal, str]:
    """The amount as a Decimal and the currency in capitals, by the assets' rule."""
    currency = (currency or "").strip().upper()
    errors = money_errors(
        amount,  # type: ignore[arg-type]
        currency,
        amount_field=amount_field,
        currency_field=currency_field,
        required=True,
    )
    if errors:
        raise ValidationError(errors)
    return Decimal(str(amount)), currency


def _url(request: StopPaymentRequest) -> str:
    return reverse("payments:detail", args=[request.pk])


def _notify(users: Iterable[User], *, key: str, message: messages.Text, url: str) -> None:
    """In the app once per (user, key), and by e-mail after commit to who has an address, in
    the language the user saved. The e-mail names the request and the agencies, never the
    case."""
    link = f"{settings.FORTRESS_SITE_URL}{url}"
    for user in {u.pk: u for u in users}.values():
        if notification_send(user=user, key=key, message=message, url=url) is None:
            continue
        if user.email:
            transaction.on_commit(
                lambda user=user: notification_mail(user, message, link)  # type: ignore[misc]
            )


def _answerers(request: StopPaymentRequest) -> Iterable[User]:
    return access.agency_users_who_can(request.to_agency_id, access.Action.ANSWER_STOP_PAYMENT)


def _requesters(request: StopPaymentRequest) -> list[User]:
    users = list(
        access.agency_users_who_can(request.from_agency_id, access.Action.FILE_STOP_PAYMENT)
    )
    if request.case.agency_id != request.from_agency_id:  # a follow-on: the victim's agency too
        users += access.agency_users_who_can(
            request.case.agency_id, access.Action.FILE_STOP_PAYMENT
        )
    return users


# --- filing -----------------------------------------------------------------------------


def _file(
    *,
    case: Case,
    by: User,
    from_agency_id: int,
    to_agency: Agency,
    account_kind: str,
    account: str,
    amount: Decimal | None,
    currency: str,
    chain: str = "",
    deadline: datetime.datetime | None = None,
    urgency: str = Urgency.URGENT,
    note: str = "",
    source: str = Source.TYPED,
    asset: Asset | None = None,
    indicator: Indicator | None = None,
    victim: Victim | None = None,
    parent: StopPaymentRequest | None = None,
    transfers: Iterable[Mapping[str, Any]] = (),
    account_field: str = "account",
) -> StopPaymentRequest:
    now = timezone.now()
    errors: dict[str, Any] = {}
    if to_agency is None:
        errors["to_agency"] = _("Choose the agency to ask.")
    elif to_agency.pk == from_agency_id:
        errors["to_agency"] = _("Ask another agency: your own agency cannot be asked.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose urgent or normal.")
    if deadline is None:
        deadline = now + datetime.timedelta(hours=settings.FORTRESS_STOP_PAYMENT_HOURS)
    elif deadline <= now:
        errors["deadline"] = _("A deadline is in the future.")
    from_agency = Agency.objects.get(pk=from_agency_id)
    normalized = ""
    try:
        normalized = normalize_account(
            account_kind=account_kind,
            account=account,
            chain=chain if account_kind == AccountKind.CRYPTO_WALLET else "",
            region=str(getattr(from_agency.country, "code", from_agency.country)),
        )
    except ValidationError as exc:
        errors.update(
            {account_field if k == "account" else k: v for k, v in exc.message_dict.items()}
        )
    try:
        amount, currency = _money(amount, currency, "amount", "currency")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    rows: list[StopPaymentTransfer] = []
    for n, row in enumerate(transfers):
        t_amount = row.get("amount")
        t_currency = (row.get("currency") or currency or "").upper()
        row_errors = money_errors(t_amount, t_currency, required=True)
        if row.get("sent_on") and row["sent_on"] > timezone.localdate():
            row_errors["sent_on"] = str(_("A transaction is not dated in the future."))
        if row_errors:
            errors[f"transactions[{n}]"] = [f"{k}: {v}" for k, v in row_errors.items()]
            continue
        rows.append(
            StopPaymentTransfer(
                amount=Decimal(str(t_amount)),
                currency=t_currency,
                sent_on=row.get("sent_on"),
                reference=(row.get("reference") or "")[:200],
            )
        )
    if errors:
        raise ValidationError(errors)
    assert amount is not None  # checked by _money above
    request = StopPaymentRequest.objects.create(
        case=case,
        parent=parent,
        root=parent.root if parent is not None else None,
        hop=parent.hop + 1 if parent is not None else 1,
        from_agency_id=from_agency_id,
        to_agency=to_agency,
        source=source,
        asset=asset,
        indicator=indicator,
        victim=victim,
        account_kind=account_kind,
        chain_name=chain if account_kind == AccountKind.CRYPTO_WALLET else "",
        account=normalized,
        account_raw=account.strip()[:200],
        amount=amount,
        currency=currency,
        urgency=urgency,
        deadline=deadline,
        note=note,
        created_at=now,
        filed_by=by,
    )
    if request.root_id is None:
        request.root = request
        request.save(update_fields=["root"])
    for transfer in rows:
        transfer.request = request
    StopPaymentTransfer.objects.bulk_create(rows)
    _notify(
        _answerers(request),
        key=f"stop-payment:{request.pk}:arrived",
        message=messages.text(
            "stop_payment.arrived",
            ref=request.reference,
            agency=from_agency.name,
            amount=request.amount,
            currency=request.currency,
            deadline=f"{request.deadline.astimezone(datetime.UTC):%Y-%m-%d %H:%M}",
        ),
        url=_url(request),
    )
    return request


@transaction.atomic
def stop_payment_file(
    *,
    case: Case,
    by: User,
    to_agency: Agency,
    account_kind: str,
    account: str,
    amount: Decimal | None,
    currency: str,
    chain: str = "",
    deadline: datetime.datetime | None = None,
    urgency: str = Urgency.URGENT,
    note: str = "",
    asset: Asset | None = None,
    indicator: Indicator | None = None,
    hit: Hit | None = None,
    victim: Victim | None = None,
    transfers: Iterable[Mapping[str, Any]] = (),
) -> StopPaymentRequest:
    """The victim's agency asks `to_agency` to freeze `account`, from one of its cases (from
    an asset, an account indicator or a hit on one, or typed in)."""
    if not access.can_file_stop_payment(by, case):
        raise PolicyError(_("Only the case's agency's investigators and supervisors file."))
    errors: dict[str, str] = {}
    source = Source.TYPED
    if asset is not None:
        source = Source.ASSET
        if asset.case_id != case.pk:
            errors["asset"] = _("The asset is of another case.")
    if hit is not None:
        source = Source.HIT
        indicator = Indicator.objects.filter(pk=hit.pk).first()
        if hit.case_id != case.pk:
            errors["hit"] = _("The hit is on another case.")
    elif indicator is not None:
        source = Source.INDICATOR
    if indicator is not None:
        if indicator.case_id != case.pk:
            errors["indicator"] = _("The indicator is of another case.")
        elif indicator.kind not in AccountKind.values:
            errors["indicator"] = _("Only a bank account, a wallet or a phone can be stopped.")
    if victim is not None and victim.case_id != case.pk:
        errors["victim"] = _("The victim is of another case.")
    if errors:
        raise ValidationError(errors)
    request = _file(
        case=case,
        by=by,
        from_agency_id=case.agency_id,
        to_agency=to_agency,
        account_kind=account_kind,
        account=account,
        amount=amount,
        currency=currency,
        chain=chain,
        deadline=deadline,
        urgency=urgency,
        note=note,
        source=source,
        asset=asset,
        indicator=indicator,
        victim=victim,
        transfers=transfers,
    )
    if asset is not None and asset.status == AssetStatus.TRACED:
        locked = Asset.objects.select_for_update(no_key=True).get(pk=asset.pk)
        if locked.status == AssetStatus.TRACED:
            locked.status = AssetStatus.FREEZE_REQUESTED
            locked.status_changed_on = timezone.localdate()
            locked.version += 1
            locked._history_user = by  # type: ignore[attr-defined]
            locked.save()
    case_event_record(
        case=case,
        text=messages.text(
            "stop_payment.sent",
            ref=request.reference,
            agency=to_agency.name,
            account=request.account,
        ),
        by=by,
    )
    return request


# --- answering --------------------------------------------------------------------------


def _locked_for_answer(
    request: StopPaymentRequest, by: User, version: int | None
) -> StopPaymentRequest:
    if not access.can_answer_stop_payment(by, request):
        raise PolicyError(_("Only the receiving agency's investigators and supervisors answer."))
    locked = (
        StopPaymentRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    )
    check_version(locked, version, ANSWER_FIELDS)
    if not locked.is_open:
        raise ValidationError(
            _("This request is already answered (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def stop_payment_acknowledge(
    *, request: StopPaymentRequest, by: User, version: int | None
) -> StopPaymentRequest:
    """The receiving agency has the request: the clock of time to acknowledge stops."""
    locked = _locked_for_answer(request, by, version)
    if locked.status != Status.SENT:
        raise ValidationError(_("This request is already acknowledged."))
    locked.status = Status.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = by
    locked.version += 1
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "version"])
    return locked


@transaction.atomic
def stop_payment_record_outcome(
    *,
    request: StopPaymentRequest,
    by: User,
    version: int | None,
    outcome: str,
    amount_frozen: Decimal | None = None,
    currency: str = "",
    frozen_on: datetime.date | None = None,
    institution: str = "",
    reason: str = "",
    note: str = "",
    onward_account: str = "",
    onward_account_kind: str = "",
    onward_chain: str = "",
    onward_agency: Agency | None = None,
    onward_amount: Decimal | None = None,
    onward_currency: str = "",
) -> StopPaymentRequest:
    """Frozen or partially frozen (the amount, its currency, the date, the institution: written
    back once to the originating case's assets), moved on (to which account, at which agency:
    files the follow-on request, chained), or refused (why). A partial freeze may name where
    the rest went, which files the follow-on too."""
    locked = _locked_for_answer(request, by, version)
    if outcome not in OUTCOMES:
        raise ValidationError(
            {"outcome": _("Choose frozen, partially frozen, moved on or refused.")}
        )
    errors: dict[str, Any] = {}
    freezes = outcome in (Status.FROZEN, Status.PARTIALLY_FROZEN)
    onward = outcome == Status.MOVED_ON or (
        outcome == Status.PARTIALLY_FROZEN and bool(onward_account.strip())
    )
    today = timezone.localdate()
    if freezes:
        try:
            amount_frozen, currency = _money(amount_frozen, currency, "amount_frozen", "currency")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if (
                outcome == Status.PARTIALLY_FROZEN
                and currency == locked.currency
                and amount_frozen is not None
                and amount_frozen >= locked.amount
            ):
                errors["amount_frozen"] = _("A partial freeze is less than the amount asked.")
        frozen_on = frozen_on or today
        if frozen_on > today:
            errors["frozen_on"] = _("A freeze is not dated in the future.")
    if outcome == Status.REFUSED and not reason.strip():
        errors["reason"] = _("Say why the request is refused.")
    if onward:
        if not onward_account.strip():
            errors["onward_account"] = _("Give the account the funds moved on to.")
        if onward_agency is None:
            errors["onward_agency"] = _("Choose the agency to ask next.")
        if outcome == Status.MOVED_ON:
            onward_currency = onward_currency or currency
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    locked.status = outcome
    locked.answered_at = now
    locked.answered_by = by
    if locked.acknowledged_at is None:  # an answer is an acknowledgement too
        locked.acknowledged_at, locked.acknowledged_by = now, by
    locked.reason = reason.strip() if outcome == Status.REFUSED else ""
    locked.answer_note = note
    if freezes:
        locked.amount_frozen = amount_frozen
        locked.frozen_currency = currency
        locked.frozen_on = frozen_on
        locked.institution = institution.strip()[:200]
        asset = Asset(
            case=locked.case,
            kind=ASSET_KINDS[AccountKind(locked.account_kind)],
            description=_("Frozen by %(agency)s (%(institution)s) on %(ref)s: %(account)s")
            % {
                "agency": locked.to_agency.name,
                "institution": locked.institution or "—",
                "ref": locked.reference,
                "account": locked.account,
            },
            amount=amount_frozen,
            currency=currency,
            status=AssetStatus.FROZEN,
            status_changed_on=frozen_on or today,
        )
        asset.full_clean()
        asset._history_user = by  # type: ignore[attr-defined]
        asset.save()
        locked.frozen_asset = asset
    locked.version += 1
    locked.save()
    follow_on = None
    if onward and onward_agency is not None:
        follow_on = _file(
            case=locked.case,
            by=by,
            from_agency_id=locked.to_agency_id,
            to_agency=onward_agency,
            account_kind=onward_account_kind or locked.account_kind,
            account=onward_account,
            chain=onward_chain or locked.chain_name,
            amount=onward_amount,
            currency=onward_currency or locked.currency,
            urgency=locked.urgency,
            note=note,
            source=Source.FOLLOW_ON,
            parent=locked,
            account_field="onward_account",
        )
    _answered(locked, follow_on=follow_on)
    return locked


def _answered(request: StopPaymentRequest, *, follow_on: StopPaymentRequest | None) -> None:
    text = messages.joined(
        messages.text(
            "stop_payment.answered",
            ref=request.reference,
            agency=request.to_agency.name,
            status=request.status,
        ),
        messages.text(
            "stop_payment.frozen", amount=request.amount_frozen, currency=request.frozen_currency
        )
        if request.amount_frozen
        else None,
        messages.text(
            "stop_payment.follow_on", ref=follow_on.reference, agency=follow_on.to_agency.name
        )
        if follow_on is not None
        else None,
    )
    case_event_record(case=request.case, text=text, by=None)
    _notify(
        _requesters(request),
        key=f"stop-payment:{request.pk}:answered",
        message=text,
        url=_url(request),
    )


# --- the deadline job --------------------------------------------------------------------


def stop_payments_check_deadlines(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The beat job. Reminds the receiving agency once when a deadline is near, and expires
    the requests still unacknowledged when their deadline has passed (an acknowledged request
    past its deadline stays open, marked overdue in both queues). Each claim is a
    conditional UPDATE, so two runs or two workers never remind or expire twice, and a
    request answered meanwhile is left alone."""
    now = now or timezone.now()
    near = now + datetime.timedelta(hours=settings.FORTRESS_STOP_PAYMENT_WARN_HOURS)
    warned = expired = 0
    candidates = StopPaymentRequest.objects.open().filter(
        deadline__gt=now, deadline__lte=near, deadline_warned_at__isnull=True
    )
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = StopPaymentRequest.objects.filter(
                pk=pk, status__in=OPEN_STATUSES, deadline_warned_at__isnull=True
            ).update(deadline_warned_at=now)
            if not claimed:
                continue
            warned += 1
            request = StopPaymentRequest.objects.select_related("from_agency").get(pk=pk)
            _notify(
                _answerers(request),
                key=f"stop-payment:{pk}:deadline-near",
                message=messages.text(
                    "stop_payment.deadline_near",
                    ref=request.reference,
                    agency=request.from_agency.name,
                    at=f"{request.deadline.astimezone(datetime.UTC):%Y-%m-%d %H:%M}",
                ),
                url=_url(request),
            )
    overdue = StopPaymentRequest.objects.filter(status=Status.SENT, deadline__lte=now)
    for pk in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = StopPaymentRequest.objects.filter(
                pk=pk, status=Status.SENT, deadline__lte=now
            ).update(status=Status.EXPIRED, answered_at=now, version=F("version") + 1)
            if not claimed:
                continue
            expired += 1
            request = StopPaymentRequest.objects.select_related("case", "to_agency").get(pk=pk)
            _answered(request, follow_on=None)
            _notify(
                _answerers(request),
                key=f"stop-payment:{pk}:expired",
                message=messages.text("stop_payment.expired", ref=request.reference),
                url=_url(request),
            )
    return {"warned": warned, "expired": expired}
