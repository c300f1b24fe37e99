from django.db import connection
from django.http import JsonResponse


def find(request):
    q = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM blog_article WHERE title LIKE %s", ["%" + q + "%"])
        rows = cursor.fetchall()
    return JsonResponse({"results": rows})
