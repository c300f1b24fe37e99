package org.tend.bench;

import java.io.IOException;
import javax.servlet.ServletException;
import javax.servlet.annotation.WebServlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.tend.bench.helpers.DbHelper;
import org.tend.bench.helpers.DirHelper;
import org.tend.bench.helpers.LdapHelper;

@WebServlet(value = "/sqli/JBench020")
public class JBench020 extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    public void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        doPost(request, response);
    }

    @Override
    public void doPost(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        response.setContentType("text/html;charset=UTF-8");
        javax.servlet.http.Cookie[] theCookies = request.getCookies();
        String param = "noCookieValueSupplied";
        if (theCookies != null) {
            for (javax.servlet.http.Cookie theCookie : theCookies) {
                if (theCookie.getName().equals("JBkey")) {
                    param = java.net.URLDecoder.decode(theCookie.getValue(), "UTF-8");
                    break;
                }
            }
        }

        com.example.things.ThingInterface thing = com.example.things.ThingFactory.createThing();
        String bar = thing.doSomething(param);

        String sql = "{call verifyUserPassword(?, ?)}";
        try {
            java.sql.Connection connection = DbHelper.getSqlConnection();
            java.sql.CallableStatement statement = connection.prepareCall(sql);
            statement.setString(1, "foo");
            statement.setString(2, bar);
            statement.execute();
        } catch (java.sql.SQLException e) {
            throw new ServletException(e);
        }
    }
}
