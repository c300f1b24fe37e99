from django.shortcuts import render
from django.utils.safestring import mark_safe


def profile(request, username):
    bio = request.POST.get("bio", "")
    card = mark_safe("<div class='bio'>" + bio + "</div>")
    return render(request, "blog/profile.html", {"card": card, "username": username})
