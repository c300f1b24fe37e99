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

@WebServlet(value = "/sqli/JBench147")
public class JBench147 extends HttpServlet {

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
        java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(request.getInputStream(), "UTF-8"));
        char[] chars = new char[128];
        int len = reader.read(chars);
        String param = len > 0 ? new String(chars, 0, len) : "";

        this.stored = param;
        String bar = this.stored;

        String sql = "SELECT * from USERS where USERNAME='" + bar + "'";
        java.util.Map<String, Object> row = DbHelper.JDBCtemplate.queryForMap(sql);
        response.getWriter().println("columns " + row.size());
    }

    private String stored;
}
