import xml.etree.ElementTree as ET

from django.http import JsonResponse


def books_by_year(request):
    year = int(request.GET.get("year", "2000"))
    root = ET.parse("/srv/blog/books.xml").getroot()
    books = root.findall(".//book[@year='%d']" % year)
    return JsonResponse({"titles": [b.findtext("title") for b in books]})
