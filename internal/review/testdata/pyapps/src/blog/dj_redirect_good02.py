from django.shortcuts import redirect
from django.urls import reverse


def to_article(request, slug):
    return redirect(reverse("blog:detail", kwargs={"slug": slug}))
