package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

public class SqlGood2 extends HttpServlet {
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String input = req.getParameter("sort");
        int limit = 90;
        String order = (limit * 3) - 10 > 200 ? "name" : input;
        try {
            Db.open().createStatement().executeQuery("SELECT * FROM items ORDER BY " + order);
        } catch (java.sql.SQLException e) {
            resp.sendError(500);
        }
    }
}
