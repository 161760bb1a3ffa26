from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/sharing/", views.case_sharing, name="sharing"),
    path("<int:pk>/suspects/new/", views.suspect_create, name="suspect_create"),
    path("<int:pk>/assets/new/", views.asset_create, name="asset_create"),
    path("<int:pk>/notes/new/", views.note_create, name="note_create"),
    path("suspects/<int:pk>/edit/", views.suspect_edit, name="suspect_edit"),
    path("assets/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
]
