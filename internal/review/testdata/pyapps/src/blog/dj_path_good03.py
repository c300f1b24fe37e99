import os
import uuid

from django.conf import settings
from django.http import JsonResponse


def upload_safe(request):
    f = request.FILES["attachment"]
    ext = os.path.splitext(f.name)[1].lower()
    if ext not in (".png", ".jpg", ".pdf"):
        return JsonResponse({"error": "type"}, status=400)
    dest = os.path.join(settings.MEDIA_ROOT, uuid.uuid4().hex + ext)
    with open(dest, "wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    return JsonResponse({"saved": os.path.basename(dest)})
