package ops;
import java.io.*;
import javax.servlet.http.*;

public class CmdBad3 extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String v = request.getQueryString();
        String[] argv = {"/usr/bin/convert", "in.png", v};
        Runtime r = Runtime.getRuntime();
        r.exec(argv);
    }
}
