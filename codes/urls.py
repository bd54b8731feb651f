from django.urls import path

from codes import views

app_name = "empik"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("codes/export/", views.code_export, name="code-export"),
    path("codes/redeem/", views.code_redeem, name="code-redeem"),
    path("codes/void/", views.code_void, name="code-void"),
]
