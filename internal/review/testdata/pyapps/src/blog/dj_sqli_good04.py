from django.db import connection
from django.http import JsonResponse

from .queries import author_stats_params


def author_count(request):
    with connection.cursor() as cur:
        cur.execute(author_stats_params(), [request.POST["author"]])
        return JsonResponse({"count": cur.fetchone()[0]})
