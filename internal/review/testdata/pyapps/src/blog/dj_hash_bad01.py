import hashlib

from django.http import JsonResponse


def gravatar(request):
    email = request.GET.get("email", "").strip().lower()
    token = hashlib.sha1(email.encode()).hexdigest()
    return JsonResponse({"token": token})
