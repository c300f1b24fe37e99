package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

import java.util.*;
public class SqlGood3 extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        List<String> cols = new ArrayList<>();
        cols.add("name");
        cols.add(request.getParameter("col"));
        cols.add("price");
        cols.remove(1);
        String col = cols.get(1);
        try {
            Db.open().createStatement().executeQuery("SELECT " + col + " FROM items");
        } catch (java.sql.SQLException e) {
            response.sendError(500);
        }
    }
}
