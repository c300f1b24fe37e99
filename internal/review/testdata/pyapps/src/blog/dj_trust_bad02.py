from django.http import JsonResponse
from django.views import View


class CartView(View):
    def post(self, request, product_id):
        cart = request.session.get("cart", [])
        cart.append(product_id)
        request.session["cart"] = cart
        return JsonResponse({"items": len(cart)})
