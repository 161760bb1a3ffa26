from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("retention/", views.retention_due, name="retention"),
    path("<id:pk>/retention/", views.retention_review, name="retention_review"),
    path("<id:pk>/retention/delete/", views.retention_delete, name="retention_delete"),
    path("<id:pk>/", views.case_detail, name="detail"),
    path("<id:pk>/edit/", views.case_edit, name="edit"),
    path("<id:pk>/sections/<slug:key>/", views.case_section, name="section"),
    path("<id:pk>/sharing/", views.case_sharing, name="sharing"),
    path("<id:pk>/suspects/new/", views.suspect_create, name="suspect_create"),
    path("<id:pk>/assets/new/", views.asset_create, name="asset_create"),
    path("<id:pk>/notes/new/", views.note_create, name="note_create"),
    path("suspects/<id:pk>/edit/", views.suspect_edit, name="suspect_edit"),
    path("assets/<id:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("notes/<id:pk>/edit/", views.note_edit, name="note_edit"),
]
