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

@WebServlet(value = "/trustbound/JBench179")
public class JBench179 extends HttpServlet {

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
        java.util.Map<String, String[]> map = request.getParameterMap();
        String param = "";
        if (!map.isEmpty()) {
            String[] values = map.get("JBkey");
            if (values != null) param = values[0];
        }

        String bar = outer(param);

        javax.servlet.http.HttpSession session = request.getSession(true);
        session.setAttribute("lastValue", new String(bar));
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
