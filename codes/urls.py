from django.urls import path

from codes import views

app_name = "empik"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
