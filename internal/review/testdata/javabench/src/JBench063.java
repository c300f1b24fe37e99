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

@WebServlet(value = "/xss/JBench063")
public class JBench063 extends HttpServlet {

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

        int num = 86;
        String bar = (7 * 42) - num > 200 ? "This_should_always_happen" : param;

        response.setHeader("X-XSS-Protection", "0");
        java.io.PrintWriter out = response.getWriter();
        out.write(bar);
    }
}
