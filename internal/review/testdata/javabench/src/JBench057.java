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

@WebServlet(value = "/xss/JBench057")
public class JBench057 extends HttpServlet {

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

        String enc = java.util.Base64.getEncoder().encodeToString(param.getBytes("UTF-8"));
        String bar = new String(java.util.Base64.getDecoder().decode(enc), "UTF-8");

        response.setHeader("X-XSS-Protection", "0");
        response.getWriter().print(bar);
    }
}
