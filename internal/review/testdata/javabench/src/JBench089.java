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

@WebServlet(value = "/ldapi/JBench089")
public class JBench089 extends HttpServlet {

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
        String[] values = request.getParameterValues("JBkey");
        String param;
        if (values != null && values.length > 0) param = values[0];
        else param = "";

        String bar;
        int num = 196;
        if ((500 / 42) + num > 200) bar = "This_should_always_happen";
        else bar = param;

        try {
            java.util.Hashtable<String, String> env = new java.util.Hashtable<String, String>();
            env.put(javax.naming.Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
            env.put(javax.naming.Context.PROVIDER_URL, "ldap://localhost:10389");
            javax.naming.directory.DirContext ctx = new javax.naming.directory.InitialDirContext(env);
            String filter = "(uid=" + bar + ")";
            javax.naming.NamingEnumeration<javax.naming.directory.SearchResult> results =
                    ctx.search("ou=users,ou=system", filter, new javax.naming.directory.SearchControls());
            response.getWriter().println("found: " + results.hasMore());
        } catch (javax.naming.NamingException e) {
            throw new ServletException(e);
        }
    }
}
