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

@WebServlet(value = "/ldapi/JBench085")
public class JBench085 extends HttpServlet {

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

        com.example.things.ThingInterface thing = com.example.things.ThingFactory.createThing();
        String g = "barbarians_at_the_gate";
        String bar = thing.doSomething(g);

        try {
            javax.naming.directory.DirContext ctx = LdapHelper.getDirContext();
            javax.naming.directory.InitialDirContext idc = (javax.naming.directory.InitialDirContext) ctx;
            javax.naming.directory.SearchControls sc = new javax.naming.directory.SearchControls();
            String filter = "(&(objectclass=person)(uid=" + bar + "))";
            javax.naming.NamingEnumeration<javax.naming.directory.SearchResult> results = idc.search("ou=users,ou=system", filter, sc);
            response.getWriter().println("found: " + results.hasMore());
        } catch (javax.naming.NamingException e) {
            throw new ServletException(e);
        }
    }
}
