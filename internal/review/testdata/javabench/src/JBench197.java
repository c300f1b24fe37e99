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

@WebServlet(value = "/weakrand/JBench197")
public class JBench197 extends HttpServlet {

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
        try {
            java.security.SecureRandom numGen = java.security.SecureRandom.getInstance("SHA1PRNG");
            byte[] randomBytes = new byte[40];
            fillBytes(numGen, randomBytes);
            String rememberMeKey = java.util.Base64.getEncoder().encodeToString(randomBytes);
            request.getSession().setAttribute("rememberMe", rememberMeKey);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new ServletException(e);
        }
    }

    private static void fillBytes(java.util.Random generator, byte[] barray) {
        generator.nextBytes(barray);
    }
}
