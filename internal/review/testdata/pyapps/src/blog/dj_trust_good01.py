from django.http import JsonResponse
from django.utils import timezone


def touch(request):
    request.session["last_seen"] = timezone.now().isoformat()
    return JsonResponse({"ok": True})
