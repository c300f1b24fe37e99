import os

from django.http import JsonResponse
from django.views import View


class ExportView(View):
    def post(self, request, fmt):
        code = os.system("pandoc /srv/blog/export.md -o /tmp/export." + fmt)
        return JsonResponse({"code": code})
