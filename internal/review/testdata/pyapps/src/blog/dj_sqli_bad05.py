from django.db.models.expressions import RawSQL
from django.http import JsonResponse

from .models import Article


def ranked(request):
    boost = request.GET.get("boost", "1")
    qs = Article.objects.annotate(score=RawSQL("likes * " + boost, []))
    return JsonResponse({"ids": [a.pk for a in qs.order_by("-score")]})
