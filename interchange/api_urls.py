"""Interchange routes of the API, included by config/api.py under /api/v1/."""

from django.urls import path, re_path

from interchange import api

FORMATS = "(?P<fmt>(?:stix|misp|csv))"

urlpatterns = [
    re_path(
        rf"^cases/(?P<pk>[0-9]+)/export/{FORMATS}/$",
        api.CaseExportView.as_view(),
        name="case-export",
    ),
    re_path(
        rf"^operations/(?P<pk>[0-9]+)/export/{FORMATS}/$",
        api.OperationExportView.as_view(),
        name="operation-export",
    ),
    path("cases/<int:pk>/import/", api.CaseImportView.as_view(), name="case-import"),
    path("imports/<int:pk>/", api.ImportJobView.as_view(), name="import-job"),
]
