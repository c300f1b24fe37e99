import hashlib

from django.http import JsonResponse


def content_id(request):
    body = request.body
    return JsonResponse({"id": hashlib.sha256(body).hexdigest()})
