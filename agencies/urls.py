from django.urls import path

from agencies import views

app_name = "agencies"
urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<id:pk>/", views.user_edit, name="user_edit"),
    path("users/<id:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path(
        "users/<id:pk>/second-factor/reset/",
        views.user_reset_second_factor,
        name="user_reset_second_factor",
    ),
    path("users/<id:pk>/unlock/", views.user_unlock, name="user_unlock"),
]
