from django.db import connection
from django.http import JsonResponse


def article_counter(request, article_id):
    with connection.cursor() as cur:
        cur.execute("UPDATE blog_stats SET views = views + 1 WHERE article_id = %d" % article_id)
    return JsonResponse({"ok": True})
