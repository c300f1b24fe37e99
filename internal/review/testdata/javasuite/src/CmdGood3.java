package ops;
import java.io.*;
import javax.servlet.http.*;

public class CmdGood3 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String n = request.getParameter("n");
        int count = Integer.parseInt(n);
        Runtime.getRuntime().exec(new String[] {"ping", "-c", String.valueOf(count), "localhost"});
    }
}
