import os

from django.conf import settings
from django.http import FileResponse, Http404

REPORTS = {"monthly.pdf", "yearly.pdf"}


def report(request):
    name = request.GET.get("name", "")
    if name not in REPORTS:
        raise Http404("no such report")
    return FileResponse(open(os.path.join(settings.MEDIA_ROOT, name), "rb"))
