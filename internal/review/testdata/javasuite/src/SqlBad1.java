package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

public class SqlBad1 extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String user = request.getParameter("user");
        if (user == null) user = "";
        String sql = "SELECT id, email FROM accounts WHERE login = '" + user + "'";
        try (java.sql.Connection c = Db.open(); java.sql.Statement st = c.createStatement()) {
            java.sql.ResultSet rs = st.executeQuery(sql);
            response.getWriter().println(rs.next());
        } catch (java.sql.SQLException e) {
            throw new ServletException(e);
        }
    }
}
