from django.urls import path

from victims import views

app_name = "victims"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("case/<int:case_pk>/new/", views.victim_create, name="victim_create"),
    path("<int:pk>/", views.victim_detail, name="victim_detail"),
    path("<int:pk>/edit/", views.victim_edit, name="victim_edit"),
    path("<int:pk>/repatriation/", views.repatriation_start, name="repatriation_start"),
    path("repatriations/<int:pk>/", views.repatriation_detail, name="repatriation_detail"),
    path("repatriations/<int:pk>/move/", views.repatriation_move, name="repatriation_move"),
    path(
        "repatriations/<int:pk>/handover/",
        views.repatriation_handover,
        name="repatriation_handover",
    ),
    path("repatriations/<int:pk>/accept/", views.repatriation_accept, name="repatriation_accept"),
    path(
        "repatriations/<int:pk>/decline/", views.repatriation_decline, name="repatriation_decline"
    ),
    path("repatriations/bulk-move/", views.bulk_move, name="bulk_move"),
    path("access-log/", views.access_log, name="access_log"),
    path("notifications/", views.notifications, name="notifications"),
]
