import subprocess

from django.http import HttpResponse


def thumbnail(request, name):
    subprocess.run(["sh", "-c", "convert /srv/blog/img/" + name + " -resize 200 /tmp/t.png"], check=True)
    return HttpResponse("ok")
