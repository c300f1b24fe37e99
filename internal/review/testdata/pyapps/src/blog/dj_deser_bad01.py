import pickle

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def restore(request):
    state = pickle.loads(request.body)
    return JsonResponse({"restored": len(state)})
