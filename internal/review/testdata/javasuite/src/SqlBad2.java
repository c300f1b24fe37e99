package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

public class SqlBad2 extends HttpServlet {
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String order = "";
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie k : cookies) {
                if (k.getName().equals("sort")) {
                    order = java.net.URLDecoder.decode(k.getValue(), "UTF-8");
                    break;
                }
            }
        }
        StringBuilder q = new StringBuilder("SELECT * FROM items ORDER BY ");
        q.append(order);
        try {
            java.sql.PreparedStatement ps = Db.open().prepareStatement(q.toString());
            ps.execute();
        } catch (java.sql.SQLException e) {
            resp.sendError(500);
        }
    }
}
