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

@WebServlet(value = "/sqli/JBench004")
public class JBench004 extends HttpServlet {

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
        java.io.BufferedReader reader = request.getReader();
        String param = reader.readLine();
        if (param == null) param = "";

        StringBuilder sbxyz = new StringBuilder(param);
        String bar = sbxyz.append("_SafeStuff").toString();

        String sql = "INSERT INTO users (username, password) VALUES ('foo','" + bar + "')";
        try {
            java.sql.Statement statement = DbHelper.getSqlStatement();
            statement.addBatch(sql);
            int[] counts = statement.executeBatch();
            response.getWriter().println("batch: " + counts.length);
        } catch (java.sql.SQLException e) {
            throw new ServletException(e);
        }
    }
}
