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

@WebServlet(value = "/pathtraver/JBench026")
public class JBench026 extends HttpServlet {

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

        String bar = String.format("%s", "pre-".concat(param)).substring(4);

        java.io.FileOutputStream fos = new java.io.FileOutputStream(DirHelper.TESTFILES_DIR + bar, false);
        fos.write("hello".getBytes());
        fos.close();
    }
}
