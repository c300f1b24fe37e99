"""Raw SQL used by the blog's reports."""


def author_stats_sql(author):
    return "SELECT count(*) FROM blog_article WHERE author = '%s'" % author


def author_stats_params():
    return "SELECT count(*) FROM blog_article WHERE author = %s"
