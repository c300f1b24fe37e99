from django.db import connection
from django.http import JsonResponse


def audit(request):
    ip = request.META.get("HTTP_X_FORWARDED_FOR", request.META["REMOTE_ADDR"])
    with connection.cursor() as cur:
        cur.execute("INSERT INTO audit (ip) VALUES ('%s')" % ip)
    return JsonResponse({"ok": True})
