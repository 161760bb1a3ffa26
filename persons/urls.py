from django.urls import path

from persons import views

app_name = "persons"
urlpatterns = [
    path("", views.match_list, name="matches"),
    path("wanted/", views.wanted_matches, name="wanted_matches"),
    path("<id:pk>/", views.match_detail, name="detail"),
    path("<id:pk>/request-access/", views.match_request_access, name="request_access"),
]
