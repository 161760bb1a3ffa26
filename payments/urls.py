from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<id:pk>/outcome/", views.outcome, name="outcome"),
    path("file/<id:case_pk>/", views.file_request, name="file"),
]
