from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/step/", views.step, name="step"),
    path("<id:pk>/claim/", views.claim, name="claim"),
    path("<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<id:pk>/awareness/", views.awareness, name="awareness"),
    path("publish/<id:pk>/", views.propose, name="propose"),
    path("proposals/<id:pk>/decide/", views.decide_proposal, name="decide_proposal"),
    path("wanted/", views.wanted_list, name="wanted"),
    path("wanted/<id:pk>/", views.wanted_detail, name="wanted_detail"),
    path("wanted/<id:pk>/withdraw/", views.wanted_withdraw, name="wanted_withdraw"),
    path("wanted/publish/<id:pk>/", views.wanted_publish, name="wanted_publish"),
]
