package ops;
import java.io.*;
import javax.servlet.http.*;

public class CmdGood1 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String host = request.getParameter("host");
        String fixed = "localhost";
        StringBuilder sb = new StringBuilder(fixed);
        Process p = Runtime.getRuntime().exec("ping -c 1 " + sb.toString());
        p.getInputStream().transferTo(response.getOutputStream());
    }
}
