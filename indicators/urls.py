from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("indicators/case/<id:case_pk>/add/", views.indicator_add, name="add"),
    path("indicators/case/<id:case_pk>/batch/", views.indicator_batch, name="batch"),
    path("indicators/<id:pk>/edit/", views.indicator_edit, name="edit"),
    path("indicators/<id:pk>/delete/", views.indicator_delete, name="delete"),
    path("hits/", views.hit_list, name="hits"),
    path("hits/<id:pk>/status/", views.hit_set_status, name="hit_status"),
    path("hits/<id:pk>/request-access/", views.access_request_create, name="request_access"),
    path("hits/requests/", views.access_request_list, name="requests"),
    path("hits/requests/<id:pk>/decide/", views.access_request_decide, name="decide"),
]
