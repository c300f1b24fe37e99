package ops;
import java.io.*;
import javax.servlet.http.*;

public class CmdBad1 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String host = request.getParameter("host");
        Process p = Runtime.getRuntime().exec("ping -c 1 " + host);
        p.getInputStream().transferTo(response.getOutputStream());
    }
}
