from django.db import connection
from django.http import JsonResponse
from django.views import View


class ArticleStatsView(View):
    def get(self, request, pk):
        cursor = connection.cursor()
        cursor.execute("SELECT views, likes FROM blog_stats WHERE article_id = " + pk)
        views, likes = cursor.fetchone()
        return JsonResponse({"views": views, "likes": likes})
