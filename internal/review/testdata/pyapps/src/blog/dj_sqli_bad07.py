from django.db import connection
from rest_framework.response import Response
from rest_framework.views import APIView


class CommentSearch(APIView):
    def post(self, request):
        term = request.data["term"]
        with connection.cursor() as cur:
            cur.execute("SELECT id, body FROM blog_comment WHERE body LIKE '%" + term + "%'")
            return Response({"rows": cur.fetchall()})
