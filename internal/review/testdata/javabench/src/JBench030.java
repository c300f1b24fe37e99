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

@WebServlet(value = "/pathtraver/JBench030")
public class JBench030 extends HttpServlet {

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

        String bar = doSomething(request, param);

        String fileName = DirHelper.TESTFILES_DIR + bar;
        java.io.FileInputStream fis = new java.io.FileInputStream(new java.io.File(fileName));
        byte[] b = new byte[1000];
        int size = fis.read(b);
        fis.close();
        response.getWriter().println("read " + size);
    }

    private static String doSomething(HttpServletRequest request, String param)
            throws ServletException, IOException {
        String bar = "alsosafe";
        if (param != null) {
            java.util.List<String> valuesList = new java.util.ArrayList<String>();
            valuesList.add("safe");
            valuesList.add(param);
            valuesList.add("moresafe");
            valuesList.remove(0);
            bar = valuesList.get(0);
        }
        return bar;
    }
}
