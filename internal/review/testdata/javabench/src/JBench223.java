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

@WebServlet(value = "/nullderef/JBench223")
public class JBench223 extends HttpServlet {

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
        java.util.Map<String, String> labels = new java.util.HashMap<String, String>();
        labels.put("a", "Alpha");
        String key = request.getParameter("JBkey") == null ? "b" : "a";
        String label = labels.get(key);
        response.getWriter().println(label.toUpperCase());
    }
}
