from django.urls import path

from agencies import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.notification_bell, name="bell"),
    path("<id:pk>/read/", views.notification_read, name="read"),
]
