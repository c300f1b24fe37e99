import subprocess

from django.http import HttpResponse


def changelog(request):
    branch = request.POST["branch"]
    proc = subprocess.Popen("git log --oneline " + branch, shell=True, stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    return HttpResponse(out, content_type="text/plain")
