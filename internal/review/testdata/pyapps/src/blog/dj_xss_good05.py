from django.http import HttpResponse
from django.template.loader import render_to_string


def fragment(request):
    html = render_to_string("blog/fragment.html", {"q": request.GET.get("q", "")})
    return HttpResponse(html)
