import ldap
from ldap.filter import escape_filter_chars
from django.http import JsonResponse


def staff_find(request):
    email = escape_filter_chars(request.GET.get("email", ""))
    conn = ldap.initialize("ldap://ldap.internal")
    res = conn.search_s("ou=staff,dc=blog,dc=example", ldap.SCOPE_SUBTREE, "(mail=%s)" % email, ["cn"])
    return JsonResponse({"found": len(res)})
