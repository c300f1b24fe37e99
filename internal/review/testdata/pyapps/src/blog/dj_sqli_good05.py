from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Article


@api_view(["GET"])
def article_search(request):
    title = request.query_params.get("title", "")
    qs = Article.objects.filter(title__icontains=title).values("slug", "title")
    return Response(list(qs))
