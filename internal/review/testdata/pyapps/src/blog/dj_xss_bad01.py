from django.http import HttpResponse


def echo(request):
    q = request.GET.get("q", "")
    return HttpResponse(f"<p>Results for <b>{q}</b></p>")
