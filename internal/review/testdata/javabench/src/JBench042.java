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

@WebServlet(value = "/cmdi/JBench042")
public class JBench042 extends HttpServlet {

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
        String param = "";
        java.util.Set<String> common = new java.util.HashSet<String>(java.util.Arrays.asList("host", "accept", "user-agent"));
        java.util.Enumeration<String> names = request.getHeaderNames();
        while (names.hasMoreElements()) {
            String name = (String) names.nextElement();
            if (common.contains(name.toLowerCase())) {
                continue;
            }
            param = name;
            break;
        }

        String bar = new String(param.getBytes("UTF-8"), "UTF-8").trim();

        String[] args = {"ls", "-la"};
        String[] argsEnv = {"BAR=" + bar};
        Runtime r = Runtime.getRuntime();
        Process p = r.exec(args, argsEnv, new java.io.File(System.getProperty("user.dir")));
        p.destroy();
    }
}
