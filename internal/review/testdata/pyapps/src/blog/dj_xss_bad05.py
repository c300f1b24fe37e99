from django.http import HttpResponse


def listing(request):
    tag = request.GET.get("tag", "")
    response = HttpResponse()
    response.write("<h2>Posts tagged ")
    response.write(tag)
    response.write("</h2>")
    return response
