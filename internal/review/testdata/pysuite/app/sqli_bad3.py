import sqlalchemy
from django.http import JsonResponse


def report(request):
    year = request.GET["year"]
    stmt = sqlalchemy.text(f"SELECT sum(total) FROM orders WHERE year = {year}")
    return JsonResponse({"q": str(stmt)})
