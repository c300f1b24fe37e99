from django.shortcuts import render


def results(request):
    q = request.GET.get("q", "")
    return render(request, "blog/results.html", {"q": q})
