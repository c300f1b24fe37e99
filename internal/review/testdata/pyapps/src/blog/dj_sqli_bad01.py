from django.db import connection
from django.http import JsonResponse


def search(request):
    q = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, title FROM blog_article WHERE title LIKE '%{q}%'")
        rows = cursor.fetchall()
    return JsonResponse({"results": rows})
