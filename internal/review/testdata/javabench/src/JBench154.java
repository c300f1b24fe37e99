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

@WebServlet(value = "/pathtraver/JBench154")
public class JBench154 extends HttpServlet {

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
        org.tend.bench.helpers.RequestWrapper scr = new org.tend.bench.helpers.RequestWrapper(request);
        String param = scr.getCookieValue("JBkey");

        String bar = String.format("%s", "pre-".concat(param)).substring(4);

        String fileName = DirHelper.TESTFILES_DIR + bar;
        try (java.io.FileInputStream fis = new java.io.FileInputStream(fileName)) {
            response.getWriter().println("available " + fis.available());
        }
    }
}
