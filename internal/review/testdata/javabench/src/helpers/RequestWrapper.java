package org.tend.bench.helpers;

import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletRequest;

public class RequestWrapper {

    private final HttpServletRequest request;

    public RequestWrapper(HttpServletRequest request) {
        this.request = request;
    }

    public String getTheParameter(String p) {
        return request.getParameter(p);
    }

    public String getCookieValue(String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals(name)) {
                    return c.getValue();
                }
            }
        }
        return "";
    }

    public String getTheValue(String p) {
        return "bar";
    }
}
