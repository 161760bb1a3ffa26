"""The API's view of a person match: built from selectors.row_payload, so it carries exactly
what the pages show — nothing of a record the viewer may not see."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from persons.models import MatchStatus, PersonKind


class PersonMatchAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField()
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField()


class PersonMatchCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class PersonMatchSideSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PersonKind.choices)
    trafficked_victim = serializers.BooleanField(
        allow_null=True, help_text=_("For a victim: recorded as a trafficked worker.")
    )
    agency = PersonMatchAgencySerializer(help_text=_("The agency holding the person: whom to ask."))
    name = serializers.CharField(
        allow_null=True, help_text=_("Only when the record is visible to you; else null.")
    )
    case = PersonMatchCaseSerializer(
        allow_null=True, help_text=_("Only when the case is visible to you; else null.")
    )


class PersonMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField(help_text="0-100.")
    explanation = serializers.CharField()
    status = serializers.ChoiceField(choices=MatchStatus.choices)
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    non_punishment = serializers.BooleanField(
        help_text=_(
            "Your suspect matches a trafficked worker recorded as a victim: consider the "
            "non-punishment principle."
        )
    )
    mine = PersonMatchSideSerializer(help_text=_("Your agency's person."))
    other = PersonMatchSideSerializer(help_text=_("The matching person."))


class PersonMatchDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text=_("Why: what you checked."))
