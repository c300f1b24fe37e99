from django.db import connection
from django.views.generic import ListView

from .models import Article


class ArticleSearchView(ListView):
    template_name = "blog/search.html"

    def get_queryset(self):
        q = self.request.GET.get("q", "")
        return Article.objects.raw("SELECT * FROM blog_article WHERE title LIKE '%%" + q + "%%'")
