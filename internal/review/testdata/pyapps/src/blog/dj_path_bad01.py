import os

from django.conf import settings
from django.http import FileResponse


def attachment(request):
    name = request.GET["file"]
    path = os.path.join(settings.MEDIA_ROOT, "attachments", name)
    return FileResponse(open(path, "rb"))
