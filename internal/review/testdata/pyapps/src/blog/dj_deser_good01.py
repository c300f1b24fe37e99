import yaml

from django.http import JsonResponse


def import_front_matter(request):
    meta = yaml.load(request.body, Loader=yaml.SafeLoader)
    return JsonResponse({"keys": list(meta)})
