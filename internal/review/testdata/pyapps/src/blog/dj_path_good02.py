from pathlib import Path

from django.conf import settings
from django.http import HttpResponse


def snippet(request, name):
    safe = Path(name).name
    source = (Path(settings.BASE_DIR) / "snippets" / safe).read_text()
    return HttpResponse(source, content_type="text/plain")
