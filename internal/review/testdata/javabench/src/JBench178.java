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

@WebServlet(value = "/trustbound/JBench178")
public class JBench178 extends HttpServlet {

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

        request.getSession().putValue(bar, "10340");
    }

    private static String outer(String value) {
        return inner(value + "_suffix");
    }

    private static String inner(String value) {
        StringBuffer sb = new StringBuffer();
        sb.append(value);
        return sb.toString();
    }
}
