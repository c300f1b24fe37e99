from django.http import JsonResponse

from .tasks import render_pdf


def export_pdf(request):
    code = render_pdf(request.GET.get("slug", "index"))
    return JsonResponse({"code": code})
