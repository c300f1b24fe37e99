from django.db import connection
from django.http import JsonResponse


def by_title(request, title):
    with connection.cursor() as cur:
        cur.execute("SELECT slug FROM blog_article WHERE title = '%s'" % title)
        row = cur.fetchone()
    return JsonResponse({"slug": row[0] if row else None})
