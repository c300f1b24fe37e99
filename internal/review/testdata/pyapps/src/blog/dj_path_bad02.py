from pathlib import Path

from django.conf import settings
from django.http import HttpResponse


def template_source(request, name):
    source = (Path(settings.BASE_DIR) / "templates" / name).read_text()
    return HttpResponse(source, content_type="text/plain")
