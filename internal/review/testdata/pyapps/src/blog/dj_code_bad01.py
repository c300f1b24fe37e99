from django.http import JsonResponse


def add(request):
    a = request.GET.get("a", "0")
    b = request.GET.get("b", "0")
    return JsonResponse({"sum": eval(f"{a} + {b}")})
