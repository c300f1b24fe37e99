from django.contrib.auth.hashers import check_password
from django.http import HttpResponseForbidden
from django.shortcuts import redirect

from .models import Article


def claim(request):
    article = Article.objects.filter(slug=request.POST["slug"]).first()
    if article is None:
        return HttpResponseForbidden()
    request.session["claimed_article"] = article.pk
    return redirect("/")
