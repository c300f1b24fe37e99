from django.db import connection
from django.shortcuts import render

from .forms import SearchForm


def form_search(request):
    form = SearchForm(request.GET)
    rows = []
    if form.is_valid():
        q = form.cleaned_data["q"]
        with connection.cursor() as cur:
            cur.execute("SELECT id, title FROM blog_article WHERE title LIKE '%%%s%%'" % q)
            rows = cur.fetchall()
    return render(request, "blog/search.html", {"form": form, "rows": rows})
