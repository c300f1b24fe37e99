package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

import java.util.*;
public class SqlBad3 extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, String> filters = new HashMap<>();
        filters.put("static", "active = 1");
        filters.put("user", request.getHeader("X-Filter"));
        String where = filters.get("user");
        org.springframework.jdbc.core.JdbcTemplate jdbc = Db.template();
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM items WHERE " + where);
        response.getWriter().print(rows.size());
    }
}
