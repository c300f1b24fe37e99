import os

from django.conf import settings
from django.http import JsonResponse


def upload(request):
    f = request.FILES["attachment"]
    dest = os.path.join(settings.MEDIA_ROOT, f.name)
    with open(dest, "wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    return JsonResponse({"saved": f.name})
