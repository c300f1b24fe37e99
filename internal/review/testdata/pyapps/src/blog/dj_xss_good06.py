from django.http import HttpResponse


def listing_csv(request):
    tag = request.GET.get("tag", "")
    response = HttpResponse(content_type="text/csv")
    response.write("tag\n")
    response.write(tag + "\n")
    return response
