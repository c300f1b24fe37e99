from django.shortcuts import get_object_or_404, render

from .models import Article


def show(request, slug):
    article = get_object_or_404(Article, slug=slug)
    related = Article.objects.filter(author=article.author).exclude(slug=slug)[:5]
    return render(request, "blog/show.html", {"article": article, "related": related})
