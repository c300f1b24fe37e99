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

@WebServlet(value = "/ldapi/JBench183")
public class JBench183 extends HttpServlet {

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

        String bar = org.owasp.esapi.ESAPI.encoder().encodeForLDAP(param);

        try {
            javax.naming.directory.DirContext ctx = LdapHelper.getDirContext();
            String filter = String.format("(&(objectclass=person)(cn=%s))", bar);
            javax.naming.NamingEnumeration<javax.naming.directory.SearchResult> results =
                    ctx.search("ou=users,ou=system", filter, new javax.naming.directory.SearchControls());
            while (results.hasMore()) {
                response.getWriter().println(results.next().getName());
            }
        } catch (javax.naming.NamingException e) {
            throw new ServletException(e);
        }
    }
}
