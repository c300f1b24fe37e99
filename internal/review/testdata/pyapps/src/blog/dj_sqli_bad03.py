from django.http import JsonResponse

from .models import Article


def by_author(request):
    author = request.GET["author"]
    qs = Article.objects.extra(where=["author = '" + author + "'"])
    return JsonResponse({"titles": [a.title for a in qs]})
