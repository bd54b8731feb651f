from django.urls import path

from requests_app import views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_new, name="request-new"),
]
