import subprocess

from django.http import JsonResponse


def word_count(request, slug):
    path = "/srv/blog/posts/" + str(int(slug)) + ".md"
    out = subprocess.run(["wc", "-w", path], capture_output=True, text=True)
    return JsonResponse({"words": out.stdout.split()[0]})
