from django.shortcuts import redirect


def tag(request, name):
    return redirect("/blog/tags/%s/" % name)
