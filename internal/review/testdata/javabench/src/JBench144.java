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

@WebServlet(value = "/sqli/JBench144")
public class JBench144 extends HttpServlet {

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
        org.tend.bench.helpers.RequestWrapper scr = new org.tend.bench.helpers.RequestWrapper(request);
        String param = scr.getTheParameter("JBkey");
        if (param == null) param = "";

        String bar = param;

        String sql = "SELECT USERNAME from USERS where PASSWORD='" + bar + "'";
        java.util.List<String> results = DbHelper.JDBCtemplate.query(sql, new org.springframework.jdbc.core.RowMapper<String>() {
            @Override
            public String mapRow(java.sql.ResultSet rs, int rowNum) throws java.sql.SQLException {
                return rs.getString("USERNAME");
            }
        });
        response.getWriter().println("found " + results.size());
    }
}
