from django.db import connection
from django.http import JsonResponse

from .queries import author_stats_sql


def author_stats(request):
    sql = author_stats_sql(request.POST["author"])
    with connection.cursor() as cur:
        cur.execute(sql)
        return JsonResponse({"count": cur.fetchone()[0]})
