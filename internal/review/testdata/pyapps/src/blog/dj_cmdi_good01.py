import subprocess

from django.http import HttpResponse, HttpResponseBadRequest

ALLOWED_BRANCHES = ("main", "develop", "release")


def branch_log(request):
    branch = request.POST.get("branch", "main")
    if branch not in ALLOWED_BRANCHES:
        return HttpResponseBadRequest("unknown branch")
    out = subprocess.check_output("git log --oneline " + branch, shell=True)
    return HttpResponse(out, content_type="text/plain")
