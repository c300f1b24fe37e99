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

@WebServlet(value = "/hash/JBench203")
public class JBench203 extends HttpServlet {

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
        java.util.Properties appprops = new java.util.Properties();
        java.io.InputStream cfg = this.getClass().getClassLoader().getResourceAsStream("deployment.properties");
        if (cfg != null) {
            appprops.load(cfg);
        }
        String algorithm = appprops.getProperty("digest", "MD5");
        String param = request.getParameter("JBkey");
        if (param == null) param = "";
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance(algorithm);
            md.update(param.getBytes("UTF-8"));
            byte[] result = md.digest();
            response.getWriter().println("Hash: " + java.util.Base64.getEncoder().encodeToString(result));
        } catch (java.security.GeneralSecurityException e) {
            throw new ServletException(e);
        }
    }
}
