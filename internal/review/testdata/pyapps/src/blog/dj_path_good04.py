import os

from django.conf import settings
from django.http import FileResponse
from django.views import View


class CoverView(View):
    def get(self, request, slug):
        return FileResponse(open(os.path.join(settings.MEDIA_ROOT, "covers", slug + ".jpg"), "rb"))
