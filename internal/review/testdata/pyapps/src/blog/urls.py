from django.urls import path

from . import dj_sqli_good06, dj_path_good04, dj_sqli_bad12

urlpatterns = [
    path("stats/<int:article_id>/", dj_sqli_good06.article_counter),
    path("covers/<slug:slug>/", dj_path_good04.CoverView.as_view()),
    path("by-title/<str:title>/", dj_sqli_bad12.by_title),
]
