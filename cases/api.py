from rest_framework import viewsets

from agencies import access
from cases.models import Case
from cases.serializers import CaseSerializer


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases the signed-in user's agency may see; any other case answers 404."""

    serializer_class = CaseSerializer
    filterset_fields = ["status", "fraud_type", "sharing_level"]
    search_fields = ["reference", "title"]
    ordering_fields = ["created_at", "reference", "title", "status"]
    queryset = Case.objects.none()

    def get_queryset(self):
        return (
            access.visible_cases(self.request.user)
            .select_related("agency")
            .prefetch_related("shared_with")
        )
