from django.http import HttpResponse


def whoami(request):
    theme = request.COOKIES.get("theme", "light")
    return HttpResponse("<body class='%s'>hello</body>" % theme)
