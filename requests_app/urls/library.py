from django.urls import path

from requests_app.views import library as views

app_name = "library"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("requests/<int:pk>/", views.request_review, name="request-review"),
    path("codes/", views.code_list, name="code-list"),
]
