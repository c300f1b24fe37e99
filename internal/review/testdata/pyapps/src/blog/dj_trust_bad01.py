from django.shortcuts import redirect


def set_language(request):
    request.session["lang"] = request.GET.get("lang", "en")
    return redirect("/")
