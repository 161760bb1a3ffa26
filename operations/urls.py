from django.urls import path

from operations import views

app_name = "operations"
urlpatterns = [
    path("operations/", views.operation_list, name="list"),
    path("operations/new/", views.operation_create, name="create"),
    path("operations/<id:pk>/", views.operation_detail, name="detail"),
    path("operations/<id:pk>/edit/", views.operation_edit, name="edit"),
    path("operations/<id:pk>/figures/<slug:name>/", views.operation_figure, name="figure"),
    path("operations/<id:pk>/report.csv", views.operation_report_csv, name="report_csv"),
    path("operations/<id:pk>/report/", views.operation_report_print, name="report_print"),
    path("operations/<id:pk>/invite/", views.operation_invite, name="invite"),
    path("operations/<id:pk>/status/", views.operation_status, name="status"),
    path("operations/<id:pk>/rates/", views.operation_rate, name="rate"),
    path("operations/<id:pk>/cases/link/", views.operation_link_case, name="link_case"),
    path(
        "operations/<id:pk>/cases/<id:case_pk>/unlink/",
        views.operation_unlink_case,
        name="unlink_case",
    ),
    path("operations/<id:pk>/invitation/", views.invitation_respond, name="respond"),
    path("operations/link-case/<id:case_pk>/", views.case_link, name="link_from_case"),
    path("approvals/", views.approvals, name="approvals"),
    path(
        "approvals/access-requests/<id:pk>/",
        views.approval_access_request,
        name="decide_access_request",
    ),
]
