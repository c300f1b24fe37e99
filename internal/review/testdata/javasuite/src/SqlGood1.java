package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

public class SqlGood1 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String user = request.getParameter("user");
        String sql = "SELECT id, email FROM accounts WHERE login = ?";
        try (java.sql.Connection c = Db.open()) {
            java.sql.PreparedStatement ps = c.prepareStatement(sql);
            ps.setString(1, user);
            java.sql.ResultSet rs = ps.executeQuery();
            response.getWriter().println(rs.next());
        } catch (java.sql.SQLException e) {
            throw new ServletException(e);
        }
    }
}
