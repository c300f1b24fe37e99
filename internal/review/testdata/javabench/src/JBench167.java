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

@WebServlet(value = "/cmdi/JBench167")
public class JBench167 extends HttpServlet {

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
        String[] values = request.getParameterValues("JBkey");
        String param;
        if (values != null && values.length > 0) param = values[0];
        else param = "";

        String bar = outer(param);

        Process p = Runtime.getRuntime().exec(new String[] {"sh", "-c", "echo " + bar});
        p.destroy();
    }

    private static String outer(String value) {
        return inner(value);
    }

    private static String inner(String value) {
        java.util.Map<String, String> m = new java.util.HashMap<String, String>();
        m.put("in", value);
        m.put("out", "fixed");
        return m.get("out");
    }
}
