from django.http import JsonResponse


def api_echo(request):
    return JsonResponse({"q": request.GET.get("q", "")})
