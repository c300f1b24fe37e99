from django.http import HttpResponse


def remember(request):
    response = HttpResponse("ok")
    response.set_signed_cookie("uid", "42", salt="remember", max_age=86400)
    return response
