from django.http import HttpResponse


def remember_layout(request):
    response = HttpResponse("ok")
    response.set_cookie("layout", "wide", max_age=31536000, secure=True, httponly=True, samesite="Lax")
    return response
