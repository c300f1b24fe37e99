from django.shortcuts import redirect


def cancel(request):
    return redirect(request.META.get("HTTP_REFERER", "/"))
