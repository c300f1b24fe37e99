from django.http import HttpResponse
from django.utils.html import escape, format_html


def safe_echo(request):
    q = request.GET.get("q", "")
    return HttpResponse("<p>" + escape(q) + "</p>" + format_html("<i>{}</i>", q))
