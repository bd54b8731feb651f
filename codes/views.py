from django.shortcuts import render

from accounts import roles
from accounts.decorators import role_required


@role_required(roles.EMPIK)
def dashboard(request):
    return render(request, "codes/dashboard.html")
