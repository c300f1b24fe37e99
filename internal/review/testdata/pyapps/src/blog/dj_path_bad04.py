import os

from django.conf import settings
from django.http import HttpResponse
from django.views.generic import DetailView


class ExportView(DetailView):
    def get(self, request, *args, **kwargs):
        name = self.kwargs["name"]
        with open(os.path.join(settings.MEDIA_ROOT, "exports", name), "rb") as fh:
            return HttpResponse(fh.read(), content_type="application/octet-stream")
