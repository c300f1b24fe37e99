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

@WebServlet(value = "/sqli/JBench308")
public class JBench308 extends HttpServlet {

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
        String param = request.getParameter("JBkey");
        if (param == null) param = "";
        String a1 = param;
        StringBuilder b1 = new StringBuilder(a1);
        b1.append(" SafeStuff");
        b1.replace(b1.length() - "Chars".length(), b1.length(), "Chars");
        java.util.HashMap<String, Object> map1 = new java.util.HashMap<String, Object>();
        map1.put("key1", b1.toString());
        String c1 = (String) map1.get("key1");
        String d1 = c1.substring(0, c1.length() - 1);
        String e1 = new String(org.apache.commons.codec.binary.Base64.decodeBase64(
                org.apache.commons.codec.binary.Base64.encodeBase64(d1.getBytes())));
        String f1 = e1.split(" ")[0];
        org.tend.bench.helpers.ThingInterface thing = org.tend.bench.helpers.ThingFactory.createThing();
        String g1 = "barbarians_at_the_gate";
        String bar = thing.doSomething(f1);
        String sql = "SELECT * from USERS where USERNAME='foo' and PASSWORD='" + bar + "'";
        try {
            java.sql.Statement statement = DbHelper.getSqlStatement();
            statement.execute(sql);
        } catch (java.sql.SQLException e) {
            throw new ServletException(e);
        }
    }
}
