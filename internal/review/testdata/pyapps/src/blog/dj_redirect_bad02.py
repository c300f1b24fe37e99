from django.shortcuts import redirect
from django.views import View


class LoginDoneView(View):
    def post(self, request):
        target = request.POST.get("next") or "/"
        return redirect(target)
