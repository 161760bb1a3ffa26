from django.urls import path

from interchange import views

app_name = "interchange"
urlpatterns = [
    path("cases/<int:case_pk>/import/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
]
