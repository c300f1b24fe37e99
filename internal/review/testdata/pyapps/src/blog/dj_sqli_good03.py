from django.views import View
from django.http import JsonResponse

from .models import Article


class ArticleRawView(View):
    def get(self, request, slug):
        rows = Article.objects.raw("SELECT * FROM blog_article WHERE slug = %s", [slug])
        return JsonResponse({"titles": [a.title for a in rows]})
