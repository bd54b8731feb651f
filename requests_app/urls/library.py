from django.urls import path

from requests_app import views

app_name = "library"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("codes/", views.code_list, name="code-list"),
]
