from django.db import connection
from rest_framework import viewsets
from rest_framework.response import Response


class TagViewSet(viewsets.ViewSet):
    def retrieve(self, request, pk=None):
        with connection.cursor() as cur:
            cur.execute("SELECT name FROM blog_tag WHERE id = " + pk)
            return Response({"name": cur.fetchone()[0]})
