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

@WebServlet(value = "/cmdi/JBench048")
public class JBench048 extends HttpServlet {

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
        java.io.BufferedReader reader = request.getReader();
        String param = reader.readLine();
        if (param == null) param = "";

        String bar = "safe!";
        java.util.HashMap<String, Object> map = new java.util.HashMap<String, Object>();
        map.put("keyA", "a_Value");
        map.put("keyB", param);
        map.put("keyC", "another_Value");
        bar = (String) map.get("keyB");
        bar = (String) map.get("keyA");

        String[] args = {"ls", "-la"};
        String[] argsEnv = {"BAR=" + bar};
        Runtime r = Runtime.getRuntime();
        Process p = r.exec(args, argsEnv, new java.io.File(System.getProperty("user.dir")));
        p.destroy();
    }
}
