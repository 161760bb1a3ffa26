"""The texts the system writes for people to read later: timeline events (cases.CaseNote of
kind "event") and notifications (agencies.Notification). One registry, so that each text is
stored as a key and its parameters and shown in the READER's language, not the writer's.

A writer builds a `Text` with `text(key, **params)`; the row keeps the key, the parameters
(JSON) and the English sentence (for search, the audit and whatever reads the stored field).
A reader calls `render(key, params, fallback)`: a row written before keys existed (no key)
shows its stored sentence.

Parameters that are data (names, references, amounts) are stored and shown as entered.
Parameters that are choices are stored as their code and shown through the choice's label
(`Message.choices`). A parameter may itself be a `Text`, or a list of them (`Message.lists`
says how a list is joined)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Where a choice parameter's labels are (a TextChoices class, by dotted path: read lazily, so
# that this module imports no app).
SHARING_LEVEL = "cases.models.SharingLevel"
INDICATOR_KIND = "indicators.normalize.kinds.Kind"
PAYMENT_STATUS = "payments.models.Status"
WANTED_CATEGORY = "registry.models.WantedCategory"
REPATRIATION_STAGE = "victims.models.Stage"


@dataclass(frozen=True)
class Message:
    template: Promise | str  # a plain string: nothing to translate
    # parameter -> dotted path of the TextChoices whose label shows its stored code
    choices: Mapping[str, str] = field(default_factory=dict)
    # parameter -> the separator between the items of a list of texts
    lists: Mapping[str, str] = field(default_factory=dict)
    # a last step on the parameters shown (for what choices cannot say, e.g. a field's name)
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _person_explanation(params: dict[str, Any]) -> dict[str, Any]:
    """A person match's explanation, stored in English parts, in the reader's language."""
    translated = import_string("persons.explain.translated")
    return {**params, "explanation": translated(str(params.get("explanation", "")))}


def _indicator_change(params: dict[str, Any]) -> dict[str, Any]:
    """An edited indicator's field: its name and values, in the reader's language."""
    try:
        model_field = apps.get_model("indicators", "Indicator")._meta.get_field(params["field"])
    except (KeyError, FieldDoesNotExist):  # a field since renamed: shown as stored
        return params
    choices = {str(k): v for k, v in model_field.flatchoices}  # type: ignore[union-attr]

    def shown(value: Any) -> str:
        if value in (None, ""):
            return "—"
        return str(choices.get(str(value), value))

    return {
        **params,
        "field": str(model_field.verbose_name).capitalize(),  # type: ignore[union-attr]
        "old": shown(params.get("old")),
        "new": shown(params.get("new")),
    }


MESSAGES: dict[str, Message] = {
    # Parts that other texts are made of (nothing to translate in the joins themselves).
    "lines": Message("%(lines)s", lists={"lines": "\n"}),
    "sentences": Message("%(parts)s", lists={"parts": " "}),
    "indicator": Message(
        pgettext_lazy("an indicator: its kind and value", "%(kind)s %(value)s"),
        choices={"kind": INDICATOR_KIND},
    ),
    # --- case timeline ---
    "sharing.level": Message(
        _("Sharing: %(old)s → %(new)s"), choices={"old": SHARING_LEVEL, "new": SHARING_LEVEL}
    ),
    "sharing.added": Message(_("Shared with %(agency)s added")),
    "sharing.removed": Message(_("Shared with %(agency)s removed")),
    "retention.kept": Message(_("Kept on retention review until %(date)s. Reason: %(reason)s")),
    "retention.deleted": Message(_("Personal data deleted on retention review by %(who)s.")),
    "indicators.added": Message(_("Indicators added: %(values)s"), lists={"values": "; "}),
    "indicators.added_more": Message(_("and %(count)d more.")),
    "indicator.edited": Message(_("Indicator edited: %(indicator)s")),
    "indicator.change": Message(
        pgettext_lazy("an indicator's field edited", "%(field)s: %(old)s → %(new)s"),
        prepare=_indicator_change,
    ),
    "indicator.removed": Message(_("Indicator removed: %(indicator)s")),
    "access.after_hit": Message(
        _("a cross-reference hit on %(kind)s %(value)s"),
        choices={"kind": INDICATOR_KIND},
        prepare=lambda p: {**p, "kind": str(p.get("kind", "")).lower()},
    ),
    "access.after_person": Message(
        _("a person match (%(explanation)s)"), prepare=_person_explanation
    ),
    "access.a_matching_person": Message(_("a matching person")),
    "access.asked_here": Message(
        _("%(agency)s (%(who)s) asked for access to this case after %(after)s. Reason: %(reason)s")
    ),
    "access.asked_there": Message(
        _("Access asked to %(count)s case(s) of %(agency)s holding %(holding)s. Reason: %(reason)s")
    ),
    "access.granted": Message(_("Access request of %(agency)s granted by %(who)s.")),
    "access.refused": Message(_("Access request of %(agency)s refused by %(who)s.")),
    "access.granted_to_hit": Message(_("%(agency)s granted access to its case holding %(value)s.")),
    "access.refused_to_hit": Message(_("%(agency)s refused access to its case holding %(value)s.")),
    "access.decision_note": Message(_("Note: %(note)s")),
    "registry.published": Message(_("%(value)s published to the network registry.")),
    "wanted.published": Message(
        _("The identity of %(name)s published to the network as %(category)s."),
        choices={"category": WANTED_CATEGORY},
    ),
    "operation.linked": Message(_("Linked to the joint operation %(operation)s.")),
    "operation.unlinked": Message(_("Taken out of the joint operation %(operation)s.")),
    "stop_payment.sent": Message(
        _("Stop-payment request %(ref)s sent to %(agency)s for %(account)s.")
    ),
    "stop_payment.answered": Message(
        _("Stop-payment request %(ref)s to %(agency)s: %(status)s."),
        choices={"status": PAYMENT_STATUS},
    ),
    "stop_payment.frozen": Message(_("%(amount)s %(currency)s frozen.")),
    "stop_payment.follow_on": Message(_("Follow-on %(ref)s sent to %(agency)s.")),
    "export.case": Message(_("%(who)s (%(agency)s) exported the case as %(format)s.")),
    "export.operation": Message(
        _("%(who)s (%(agency)s) exported the case with joint operation %(op)s as %(format)s.")
    ),
    "import.done": Message(
        _(
            "%(who)s imported %(n)s indicator(s) from a %(format)s file (%(name)s); "
            "%(dupes)s duplicate(s) not added."
        )
    ),
    # --- notifications ---
    "access.request_granted": Message(
        _(
            "%(agency)s granted your access request. The case %(ref)s is now shared with your "
            "agency."
        )
    ),
    "access.request_refused": Message(_("%(agency)s refused your access request.")),
    "registry.proposed": Message(_("%(who)s proposes to publish %(value)s to the registry.")),
    "registry.approved": Message(_("%(value)s is published to the registry.")),
    "registry.refused": Message(_("Publishing %(value)s to the registry was refused.")),
    "stop_payment.arrived": Message(
        _(
            "Stop-payment request %(ref)s from %(agency)s: %(amount)s %(currency)s, "
            "answer by %(deadline)s UTC."
        )
    ),
    "stop_payment.deadline_near": Message(
        _("Stop-payment request %(ref)s from %(agency)s is due by %(at)s UTC.")
    ),
    "stop_payment.expired": Message(_("Stop-payment request %(ref)s expired unanswered.")),
    "handover.arrived": Message(
        _(
            "A repatriation (%(ref)s) was handed over to your agency by %(agency)s: accept or "
            "decline it."
        )
    ),
    "handover.accepted": Message(_("%(agency)s accepted the hand-over of %(ref)s.")),
    "handover.declined": Message(_("%(agency)s declined the hand-over of %(ref)s.")),
    "repatriation.overdue_subject": Message(_("Overdue repatriation %(ref)s")),
    "repatriation.overdue": Message(
        _("Repatriation of %(ref)s is overdue: stage %(stage)s was due on %(due)s."),
        choices={"stage": REPATRIATION_STAGE},
    ),
}


def _stored(value: Any) -> Any:
    """A parameter as JSON keeps it: data as entered (dates, amounts as text)."""
    if isinstance(value, Text):
        return {"key": value.key, "params": value.params}
    if isinstance(value, (list, tuple)):
        return [_stored(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return str(value)  # a model instance, a lazy string: what it reads as now


@dataclass(frozen=True)
class Text:
    """A system text as stored: its key in MESSAGES and its parameters (JSON)."""

    key: str
    params: dict[str, Any]

    def __str__(self) -> str:
        """In the active language."""
        return render(self.key, self.params)

    @property
    def english(self) -> str:
        """What the row's text field keeps."""
        with translation.override("en"):
            return str(self)


def text(key: str, **params: Any) -> Text:
    """The text `key` of the registry with these parameters; an unknown key is a bug."""
    if key not in MESSAGES:
        raise KeyError(f"No system text {key!r} in config.messages.MESSAGES.")
    return Text(key, {name: _stored(value) for name, value in params.items()})


def joined(*parts: Text | None, key: str = "sentences") -> Text:
    """Several texts as one (sentences side by side, or `key="lines"`); None parts left out."""
    kept = [p for p in parts if p is not None]
    return text(key, **{"lines" if key == "lines" else "parts": kept})


def _label(path: str, code: Any) -> Any:
    try:
        return import_string(path)(code).label
    except (ImportError, ValueError):
        return code  # a choice since removed: its code


def _shown(value: Any, separator: str) -> Any:
    if isinstance(value, dict) and "key" in value:
        return _rendered(value["key"], value.get("params") or {})
    if isinstance(value, list):
        return separator.join(str(_shown(v, separator)) for v in value)
    return value


def _rendered(key: Any, params: Any) -> str:
    """The text, or ValueError / KeyError / TypeError / AttributeError when the key or the
    parameters (or those of a text nested in them) no longer fit the registry."""
    message = MESSAGES[key] if isinstance(key, str) else None
    if message is None or not isinstance(params, Mapping):
        raise ValueError(key)
    values = {name: _shown(value, message.lists.get(name, "; ")) for name, value in params.items()}
    for name, path in message.choices.items():
        if name in values:
            values[name] = _label(path, values[name])
    if message.prepare is not None:
        values = message.prepare(values)
    return str(message.template) % values


def render(key: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The text `key` with `params` in the active language; `fallback` (the stored sentence)
    when there is no key, or the key or parameters no longer fit the registry."""
    # A stored row a reader must always see: a key, or parameters, that no longer fit (a nested
    # text renamed or of another shape, a field renamed) give the stored sentence whole, never
    # a sentence with a hole in it, nor an error page.
    try:
        return _rendered(key, params if params is not None else {})
    except (KeyError, TypeError, ValueError, AttributeError):
        return fallback


def offered_language(code: str) -> str | None:
    """`code` if it is one of the interface languages offered (settings.LANGUAGES)."""
    return code if code in dict(settings.LANGUAGES) else None


@contextmanager
def read_by(user: Any, *, default: str | None = None) -> Iterator[None]:
    """Texts rendered in here are in `user`'s saved language (when it is one offered), else in
    `default`, else in the active language. For what is read away from a page request: an
    API answer to a token, an e-mail (`default=settings.LANGUAGE_CODE`: not the writer's)."""
    code = offered_language(getattr(user, "language", "") or "") or default
    if code is None:
        yield
        return
    with translation.override(code):
        yield
