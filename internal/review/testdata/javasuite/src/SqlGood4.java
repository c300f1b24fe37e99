package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

public class SqlGood4 extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String raw = request.getParameter("page");
        int page = Integer.parseInt(raw);
        String field = "price";
        switch ("xyz".charAt(1)) {
            case 'x': field = raw; break;
            case 'y': field = "name"; break;
            default: field = raw;
        }
        try {
            Db.open().createStatement().executeQuery("SELECT * FROM items ORDER BY " + field + " LIMIT 20 OFFSET " + (page * 20));
        } catch (java.sql.SQLException e) {
            response.sendError(500);
        }
    }
}
