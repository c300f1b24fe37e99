from django.http import JsonResponse

from .tasks import render_pdf


def export_about(request):
    return JsonResponse({"code": render_pdf("about")})
