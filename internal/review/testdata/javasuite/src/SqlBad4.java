package shop.web;
import java.io.*;
import javax.servlet.ServletException;
import javax.servlet.http.*;

public class SqlBad4 extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String id = new Lookup().normalise(request.getParameter("id"));
        try {
            java.sql.Statement st = Db.open().createStatement();
            st.execute("DELETE FROM carts WHERE id = " + id);
        } catch (java.sql.SQLException e) {
            response.sendError(500);
        }
    }

    private class Lookup {
        String normalise(String s) {
            if (s == null) {
                return "0";
            }
            return s.trim();
        }
    }
}
