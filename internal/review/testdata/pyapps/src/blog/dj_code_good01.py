from django.http import JsonResponse


def add_numbers(request):
    a = int(request.GET.get("a", "0"))
    b = int(request.GET.get("b", "0"))
    return JsonResponse({"sum": eval(f"{a} + {b}")})
