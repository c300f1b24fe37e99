from django.http import HttpResponse


def remember_theme(request):
    response = HttpResponse("ok")
    response.set_cookie("theme", "dark", max_age=31536000)
    return response
