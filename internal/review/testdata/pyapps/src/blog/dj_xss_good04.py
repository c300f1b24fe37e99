from django.http import HttpResponse


def plain_echo(request):
    return HttpResponse(request.GET.get("q", ""), content_type="text/plain")
