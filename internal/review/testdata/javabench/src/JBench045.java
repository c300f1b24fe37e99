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

@WebServlet(value = "/cmdi/JBench045")
public class JBench045 extends HttpServlet {

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

        String bar;
        int num = 196;
        if ((500 / 42) + num > 200) bar = "This_should_always_happen";
        else bar = param;

        String cmd = "env";
        String[] argsEnv = {"FOO=" + bar};
        Runtime r = Runtime.getRuntime();
        Process p = r.exec(cmd, argsEnv);
        p.destroy();
    }
}
