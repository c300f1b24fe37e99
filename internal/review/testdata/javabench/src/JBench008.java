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

@WebServlet(value = "/sqli/JBench008")
public class JBench008 extends HttpServlet {

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
        java.io.InputStream in = request.getInputStream();
        byte[] buf = new byte[256];
        int n = in.read(buf);
        String param = new String(buf, 0, Math.max(n, 0), "UTF-8");

        String bar = new Test().doSomething(request, param);

        String sql = "UPDATE USERS SET PASSWORD='" + bar + "' WHERE USERNAME='foo'";
        try {
            java.sql.Statement statement = DbHelper.getSqlStatement();
            int count = statement.executeUpdate(sql, new String[] {"USERNAME", "PASSWORD"});
            response.getWriter().println("updated: " + count);
        } catch (java.sql.SQLException e) {
            throw new ServletException(e);
        }
    }

    private class Test {

        public String doSomething(HttpServletRequest request, String param)
                throws ServletException, IOException {
            String bar = "safe!";
            java.util.HashMap<String, Object> map = new java.util.HashMap<String, Object>();
            map.put("keyA", "a-Value");
            map.put("keyB", param);
            map.put("keyC", "another-Value");
            bar = (String) map.get("keyB");
            return bar;
        }
    }
}
