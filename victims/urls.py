from django.urls import path

from victims import views

app_name = "victims"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("case/<id:case_pk>/new/", views.victim_create, name="victim_create"),
    path("<id:pk>/", views.victim_detail, name="victim_detail"),
    path("<id:pk>/edit/", views.victim_edit, name="victim_edit"),
    path("<id:pk>/repatriation/", views.repatriation_start, name="repatriation_start"),
    path("repatriations/<id:pk>/", views.repatriation_detail, name="repatriation_detail"),
    path("repatriations/<id:pk>/move/", views.repatriation_move, name="repatriation_move"),
    path("repatriations/<id:pk>/correct/", views.repatriation_correct, name="repatriation_correct"),
    path(
        "repatriations/<id:pk>/handover/",
        views.repatriation_handover,
        name="repatriation_handover",
    ),
    path("repatriations/<id:pk>/accept/", views.repatriation_accept, name="repatriation_accept"),
    path("repatriations/<id:pk>/decline/", views.repatriation_decline, name="repatriation_decline"),
    path("repatriations/bulk-move/", views.bulk_move, name="bulk_move"),
    path("access-log/", views.access_log, name="access_log"),
]
