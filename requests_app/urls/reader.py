from django.urls import path

from requests_app.views import reader as views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_new, name="request-new"),
    path("<int:pk>/", views.request_detail, name="request-detail"),
    path("<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
]
