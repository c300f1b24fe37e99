from django.shortcuts import render

from .models import Article


def detail(request, slug):
    article = Article.objects.raw("SELECT * FROM blog_article WHERE slug = '%s'" % slug)[0]
    return render(request, "blog/detail.html", {"article": article})
