from django.shortcuts import render

from accounts import roles
from accounts.decorators import role_required


@role_required(roles.READER)
def request_list(request):
    return render(request, "requests_app/request_list.html")


@role_required(roles.READER)
def request_new(request):
    return render(request, "requests_app/request_list.html")


@role_required(roles.LIBRARY)
def queue(request):
    return render(request, "requests_app/queue.html")


@role_required(roles.LIBRARY)
def code_list(request):
    return render(request, "requests_app/queue.html")
