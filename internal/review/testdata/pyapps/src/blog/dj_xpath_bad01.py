import xml.etree.ElementTree as ET

from django.http import JsonResponse


def books_by(request):
    author = request.GET.get("author", "")
    root = ET.parse("/srv/blog/books.xml").getroot()
    books = root.findall(".//book[@author='%s']" % author)
    return JsonResponse({"titles": [b.findtext("title") for b in books]})
